// Pickers (gongjiang/core/pickers.py): choosing a listed match fills its code into the field. A record
// picker keeps the chosen record's number in its hidden input and shows the record's name in the box;
// typing in the box again forgets the choice until another is made.
document.addEventListener("click", function (event) {
  var choice = event.target.closest("[data-pick]");
  var box = document.querySelector(".picker-choices:not(:empty)");
  if (choice) {
    var picker = choice.closest(".picker");
    var input = picker.querySelector("input:not([type=hidden])");
    var kept = picker.querySelector("input[type=hidden]");
    if (kept) {
      kept.value = choice.getAttribute("data-pick");
      input.value = choice.textContent.trim();
    } else {
      input.value = choice.getAttribute("data-pick");
    }
    picker.querySelector(".picker-choices").innerHTML = "";
    input.focus();
  } else if (box && !event.target.closest(".picker")) {
    box.innerHTML = "";
  }
});
document.addEventListener("input", function (event) {
  var picker = event.target.closest ? event.target.closest("[data-record-picker]") : null;
  if (picker && event.target.type !== "hidden") {
    picker.querySelector("input[type=hidden]").value = "";
  }
});
