// Pickers (gongjiang/core/pickers.py): choosing a listed match fills its code into the field.
document.addEventListener("click", function (event) {
  var choice = event.target.closest("[data-pick]");
  var box = document.querySelector(".picker-choices:not(:empty)");
  if (choice) {
    var picker = choice.closest(".picker");
    var input = picker.querySelector("input");
    input.value = choice.getAttribute("data-pick");
    picker.querySelector(".picker-choices").innerHTML = "";
    input.focus();
  } else if (box && !event.target.closest(".picker")) {
    box.innerHTML = "";
  }
});
