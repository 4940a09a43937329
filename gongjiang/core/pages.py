"""Generic scoped pages: a register (a model's list, detail, create, edit and workflow steps) declared
in a few attributes, with every read through ``restrict`` and every write through a service that
``authorize``s its actor.

A register is a :class:`Register` subclass naming its model, filterset, table (django-tables2), forms and
the services its forms call; :meth:`Register.urls` gives its URL patterns:

* ``<path>/``: the list, filtered by the filterset, paginated and sortable, with a button to add one
  where the user may; the filter form refreshes the table in place (HTMX) and works without script;
* ``<path>/new/`` and ``<path>/<pk>/edit/``: a form whose clean data goes to the create or update
  service; a refused input is shown on its field, nothing is written;
* ``<path>/<pk>/``: the record's fields, its workflow steps the user may take now, and its change history
  in plain field names;
* ``<path>/<pk>/<step>/``: a workflow step (revoke, withdraw, …) asked to be confirmed, with its form (a
  reason, a date), then run through its service; a step the user may not take is refused with the reason;
* ``<path>/<action>/`` and ``<path>/<pk>/<action>/``: a form of the list or of a record's page that is no
  workflow step (an upload, an application to the record), posted to its own address and run through its
  service; a refusal shows the page again with the form and the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import django_tables2 as tables
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongjiang.core import listing, tabular
from gongjiang.core.history import object_history
from gongjiang.core.scope import ScopeDenied, allowed, authorize, can, restrict
from gongjiang.core.templatetags.gongjiang import region_name

PER_PAGE = 50
EMPTY_CELL = "—"  # how a table on a page shows an empty cell (django-tables2 default), empty in exports


class BootstrapForm(forms.Form):
    """A form whose widgets carry Bootstrap's classes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue  # radio buttons and checkbox lists: each choice is laid out on its own
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form, field by field where it names one."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def run_form(form: forms.Form, call: Callable[[], Any]) -> Any:
    """Run a service with a valid form's data: its refusals and input errors go on the form (on the field
    they name), and None is returned; otherwise the service's result."""
    try:
        return call()
    except ValidationError as exc:
        apply_errors(form, exc)
    except ScopeDenied as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("Your account may not do this."))
    return None


def submitted(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], Any],
    *,
    done: Any,
    to: str | Callable[[Any], str | HttpResponse],
) -> HttpResponse | None:
    """A posted form run through a service: with valid data, ``call(data)``; when the service succeeds,
    the message ``done`` (or ``done(result)``), if any, is shown and the browser sent to ``to`` (or to
    ``to(result)``, which may also be the response itself, a download say). Otherwise None, with the
    input errors or the refusal on the form, for the page to show it again."""
    if request.method != "POST" or not form.is_valid():
        return None
    result = run_form(form, lambda: call(dict(form.cleaned_data)))
    if result is None:
        return None
    message = done(result) if callable(done) else done
    if message:
        messages.success(request, str(message))
    target = to(result) if callable(to) else to
    return target if isinstance(target, HttpResponse) else redirect(target)


class EmptyForm(BootstrapForm):
    """A step or an action that asks nothing but to be confirmed."""


@dataclass(frozen=True)
class Step:
    """A workflow step of a record: ``name`` is the step the model's scope declares (and the URL's last
    part), ``run(actor, obj, **cleaned_data)`` the service; ``when(obj)`` says whether the record's state
    allows it now."""

    name: str
    label: Any
    run: Callable[..., Any]
    form: type[forms.Form] = EmptyForm
    when: Callable[[Any], bool] = lambda obj: True
    confirm: Any = ""
    done: Any = ""
    danger: bool = True


@dataclass(frozen=True)
class Panel:
    """A part of another app's detail page: an app above the register's own shows what it holds of the
    record (the certificates of a person, say) without the register's app importing it. ``context``
    gives the template's variables, or None to show nothing."""

    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


_panels: dict[str, list[Panel]] = {}


def register_panel(label: str, panel: Panel) -> None:
    """Add ``panel`` to the detail page of model ``label`` (from the contributing app's ``ready()``)."""
    panels = _panels.setdefault(label, [])
    if panel not in panels:
        panels.append(panel)
        panels.sort(key=lambda p: p.order)


def panels_for(request: HttpRequest, obj: Model) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for panel in _panels.get(obj._meta.label, ()):
        context = panel.context(request, obj)
        if context is not None:
            out.append((panel.template, context))
    return out


@dataclass(frozen=True)
class Action:
    """A form of the list page (``on_list``) or of a record's page that is no workflow step: an upload, an
    application to the record, the result of one of its items. The page offers it where ``show(user,
    obj)`` (obj None on the list): an action with a ``label`` is a button beside the page's others, any
    other is placed by the page's template, as ``actions.<name>`` posted to ``links.actions.<name>``.
    Posted, it runs ``run(actor, obj, **cleaned_data)`` (``run(actor, **cleaned_data)`` on the list), shows
    ``done`` (or ``done(result)``) and returns to the page, or goes where ``to(obj, result)`` says (an
    address or a response). A refusal shows the page again with the reason; nothing is written."""

    name: str
    run: Callable[..., Any]
    label: Any = ""
    form: type[forms.Form] = EmptyForm
    show: Callable[[Any, Any], bool] = lambda user, obj: True
    initial: Callable[[Any], dict[str, Any]] = lambda obj: {}
    done: Any = ""
    to: Callable[[Any, Any], str | HttpResponse] | None = None
    on_list: bool = False


@dataclass(frozen=True)
class Field:
    """One line of a detail page: a label and how to show the value of an object. A register's ``fields``
    may also name a model field: its verbose name, and its value as shown (a choice's label, yes or no, a
    region's name and code)."""

    label: Any
    value: Callable[[Any], Any]

    @classmethod
    def of(cls, model: type[Model], name: str) -> Field:
        field = model._meta.get_field(name)

        def value(obj: Any) -> Any:
            if getattr(field, "choices", None):
                return getattr(obj, f"get_{name}_display")()
            shown = getattr(obj, name)
            if name.endswith("region_code"):
                return region_name(shown) or None
            if isinstance(shown, bool):
                return _("Yes") if shown else _("No")
            return None if shown == "" else shown

        return cls(capfirst(getattr(field, "verbose_name", name)), value)


def user_name(user: AbstractBaseUser) -> str:
    """A user as pages show them: by name (an officer's "张家港市人社局 县级经办人员"), as the change
    history shows them, not by the account's login name (which is shown only when there is no name)."""
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()


def _shown(value: Any) -> Any:
    if isinstance(value, AbstractBaseUser):
        return user_name(value)
    return value


class Register:
    """A register's pages, configured by a few attributes. Override :meth:`create` and :meth:`update`
    (calling the app's services with ``actor=``), and :meth:`initial` for the edit form."""

    model: ClassVar[type[Model]]
    path: ClassVar[str]  # URL part: "persons"
    name: ClassVar[str]  # URL name prefix: "person" gives person-list, person-detail, …
    namespace: ClassVar[str] = ""  # the app's URL namespace, where it has one ("training")
    table: ClassVar[type[tables.Table]]
    filterset: ClassVar[Any] = None
    related: ClassVar[tuple[str, ...]] = ()
    fields: ClassVar[Sequence[Field | str]] = ()
    create_form: ClassVar[type[forms.Form] | None] = None
    edit_form: ClassVar[type[forms.Form] | None] = None
    steps: ClassVar[Sequence[Step]] = ()
    actions: ClassVar[Sequence[Action]] = ()
    list_template: ClassVar[str] = "core/register_list.html"
    detail_template: ClassVar[str] = "core/register_detail.html"
    export_kind: ClassVar[str] = ""  # an export of the list (imports' export kinds), when there is one
    heading: ClassVar[Any] = None  # the list's title, where the model's plural name will not do
    add_label: ClassVar[Any] = gettext_lazy("Add")
    created_message: ClassVar[Any] = gettext_lazy("Saved.")
    ordering: ClassVar[tuple[str, ...]] = ("-pk",)

    # --- what a register overrides ---------------------------------------------------------------

    def create(self, actor: Any, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def update(self, actor: Any, obj: Model, data: dict[str, Any]) -> Model:
        raise NotImplementedError

    def initial(self, obj: Model) -> dict[str, Any]:
        return {}

    def may_add(self, user: Any) -> bool:
        """Whether the user is offered the create form: by default whoever may add the model; a register
        narrows it where only some users can fill the form in (an enterprise's own records, say)."""
        return can(user, "add", self.model)

    def create_initial(self, request: HttpRequest) -> dict[str, Any]:
        """The create form's first values (the user's own region, say)."""
        return {}

    def form_kwargs(self, request: HttpRequest, obj: Model | None) -> dict[str, Any]:
        return {}

    def detail_context(self, request: HttpRequest, obj: Model) -> dict[str, Any]:
        return {}

    def list_context(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def list_count(self, request: HttpRequest, qs: QuerySet) -> listing.ListCount | None:
        """The list's count where the register knows it without counting (None: count, capped)."""
        return None

    def queryset(self, request: HttpRequest, action: str = "view") -> QuerySet:
        qs = self.model._default_manager.select_related(*self.related)
        return restrict(qs, request.user, action)

    # --- the pages -------------------------------------------------------------------------------

    def title(self) -> str:
        return str(self.heading or capfirst(self.model._meta.verbose_name_plural))

    def object_title(self, obj: Model) -> str:
        return str(obj)

    def url_name(self, page: str) -> str:
        return f"{self.namespace}:{self.name}-{page}" if self.namespace else f"{self.name}-{page}"

    def url(self, page: str, *args: Any) -> str:
        return reverse(self.url_name(page), args=args)

    def links(self, obj: Model | None = None, steps: Sequence[Step] = ()) -> dict[str, Any]:
        """The register's addresses for its templates."""
        links: dict[str, Any] = {"list": self.url("list")}
        if self.create_form is not None:
            links["create"] = self.url("create")
        if obj is not None:
            links["detail"] = self.url("detail", obj.pk)
            if self.edit_form is not None:
                links["edit"] = self.url("edit", obj.pk)
            links["steps"] = [(step, self.url("step", obj.pk, step.name)) for step in steps]
        links["actions"] = {a.name: self.action_url(a, obj) for a in self._actions(obj)}
        return links

    def action_url(self, action: Action, obj: Model | None) -> str:
        return self.url(action.name) if obj is None else self.url(action.name, obj.pk)

    def _actions(self, obj: Model | None) -> list[Action]:
        return [a for a in self.actions if a.on_list == (obj is None)]

    def action_forms(self, request: HttpRequest, obj: Model | None, posted: dict[str, forms.Form]) -> dict[str, Any]:
        """The page's actions the user is offered: ``actions``, their forms by name (the one just posted with
        its errors), and ``buttons``, the labelled ones as (action, address, form)."""
        offered = [a for a in self._actions(obj) if a.show(request.user, obj)]
        bound = {a.name: posted.get(a.name) or self.action_form(request, a, obj) for a in offered}
        buttons = [(a, self.action_url(a, obj), bound[a.name]) for a in offered if a.label]
        return {"actions": bound, "buttons": buttons}

    def action_form(
        self, request: HttpRequest, action: Action, obj: Model | None, data: Any = None, files: Any = None
    ) -> forms.Form:
        """An action's form, empty with its initial values or posted (``data``). A form whose choices depend
        on the user and the record has ``bind(user, obj)``: it is bound before it is shown and before a
        posted one is validated, so a choice outside them is refused on its field."""
        form = action.form(data, files) if data is not None else action.form(initial=action.initial(obj))
        bind = getattr(form, "bind", None)
        if callable(bind):
            bind(request.user, obj)
        return form

    def field_rows(self, obj: Model) -> list[tuple[Any, Any]]:
        fields = [Field.of(self.model, f) if isinstance(f, str) else f for f in self.fields]
        return [(f.label, _shown(f.value(obj))) for f in fields]

    def get(self, request: HttpRequest, pk: int, action: str = "view") -> Model:
        return get_object_or_404(self.queryset(request, action), pk=pk)

    def filtered(self, request: HttpRequest) -> tuple[QuerySet, Any]:
        """The list as the page shows it to the user: in scope, then filtered."""
        qs = self.queryset(request)
        filterset = self.filterset(request.GET or None, queryset=qs) if self.filterset else None
        if filterset is not None and filterset.is_bound and filterset.is_valid():
            qs = filterset.qs
        return listing.scope_ordered(qs, request.user, self.ordering), filterset

    def export(self, request: HttpRequest, fmt: str) -> HttpResponse:
        """The filtered list as CSV or XLSX, the table's columns as the page renders them (personal data
        masked as on the page), spreadsheet formulas neutralised, up to ``EXPORT_MAX_ROWS`` rows."""
        qs, _filterset = self.filtered(request)
        limit = int(getattr(settings, "EXPORT_MAX_ROWS", 1_000_000))
        if qs.order_by().values("pk")[: limit + 1].count() > limit:
            messages.error(
                request, _("The list has more than %(n)d rows; narrow the search before exporting.") % {"n": limit}
            )
            query = request.GET.copy()
            query.pop("export", None)
            return redirect(f"{self.url('list')}?{query.urlencode()}")
        table = self.table(qs)  # not paginated (a request given here would count the list for its pages)
        tables.RequestConfig(request, paginate=False).configure(table)
        values = iter(table.as_values())
        header = [str(h) for h in next(values)]
        # The page marks an empty cell with a dash; a spreadsheet leaves it empty.
        values = (["" if cell == EMPTY_CELL else cell for cell in row] for row in values)
        name = f"{self.path}-{timezone.localdate():%Y%m%d}"
        if fmt == "xlsx":
            response = HttpResponse(
                tabular.xlsx_bytes(header, values, title=self.title()), content_type=tabular.XLSX_TYPE
            )
        else:
            response = HttpResponse(tabular.csv_bytes(header, values), content_type=tabular.CSV_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response

    def list_view(self, request: HttpRequest) -> HttpResponse:
        return self.list_page(request, {})

    def list_page(self, request: HttpRequest, posted: dict[str, forms.Form]) -> HttpResponse:
        """The list, with the form of a list action just posted (and refused) in place of a blank one."""
        if not can(request.user, "view", self.model):
            raise PermissionDenied
        fmt = request.GET.get("export", "")
        if fmt in ("csv", "xlsx") and not self.export_kind:
            return self.export(request, fmt)
        qs, filterset = self.filtered(request)
        table = self.table(qs)  # paginated below, without counting the whole list
        tables.RequestConfig(request, paginate=False).configure(table)
        sorted_by_user = bool(request.GET.get(table.prefixed_order_by_field))
        key_fields = None if sorted_by_user else listing.keyset_fields(self.model, self.ordering)
        try:
            pager = listing.paginate(
                table.data.data,
                request.GET,
                per_page=PER_PAGE,
                key_fields=key_fields,
                count=self.list_count(request, qs),
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
            query = request.GET.copy()
            query.pop("page", None)
            query.pop("after", None)
            pager = listing.paginate(table.data.data, query, per_page=PER_PAGE, key_fields=key_fields)
        table.pager = pager  # type: ignore[attr-defined]
        pager.object_list = tables.rows.BoundRows(pager.rows, table)
        table.page = pager  # type: ignore[attr-defined]
        query = request.GET.copy()
        query.pop("page", None)
        query.pop("after", None)
        context = {
            "register": self,
            "links": self.links(),
            "title": self.title(),
            "table": table,
            "records": pager.rows,
            "filter": filterset,
            "query": query.urlencode(),
            "can_add": self.create_form is not None and self.may_add(request.user),
            **self.action_forms(request, None, posted),
            **self.list_context(request),
        }
        if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "register-table":
            return render(request, "core/_register_table.html", context)
        return render(request, self.list_template, context)

    def detail_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.detail_page(request, pk, {})

    def detail_page(self, request: HttpRequest, pk: int, posted: dict[str, forms.Form]) -> HttpResponse:
        """The record's page, with the form of an action just posted (and refused) in place of a blank one."""
        obj = self.get(request, pk)
        user = request.user
        steps = [s for s in self.steps if s.when(obj) and allowed(user, s.name, obj)]
        context = {
            "register": self,
            "links": self.links(obj, steps),
            "object": obj,
            "title": self.object_title(obj),
            "fields": self.field_rows(obj),
            "steps": steps,
            "can_change": self.edit_form is not None and allowed(user, "change", obj),
            "history": object_history(user, obj),
            "panels": panels_for(request, obj),
            **self.action_forms(request, obj, posted),
            **self.detail_context(request, obj),
        }
        return render(request, self.detail_template, context)

    def form_view(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        obj = self.get(request, pk, "change") if pk is not None else None
        form_class = self.edit_form if obj is not None else self.create_form
        if form_class is None or (obj is None and not self.may_add(request.user)):
            raise PermissionDenied
        kwargs = self.form_kwargs(request, obj)
        initial = self.initial(obj) if obj is not None else self.create_initial(request)
        form = form_class(request.POST or None, initial=initial, **kwargs)

        def save(data: dict[str, Any]) -> Model:
            return self.update(request.user, obj, data) if obj is not None else self.create(request.user, data)

        response = submitted(
            request, form, save, done=self.created_message, to=lambda saved: self.url("detail", saved.pk)
        )
        if response is not None:
            return response
        title = _("Edit %(what)s") % {"what": self.object_title(obj)} if obj is not None else self.add_label
        cancel = self.url("detail", obj.pk) if obj is not None else self.url("list")
        return render(
            request,
            "core/register_form.html",
            {
                "register": self,
                "links": self.links(obj),
                "form": form,
                "title": title,
                "object": obj,
                "cancel_url": cancel,
            },
        )

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        chosen = next((s for s in self.steps if s.name == step), None)
        if chosen is None:
            raise Http404
        obj = self.get(request, pk)
        form = chosen.form(request.POST if request.method == "POST" else None)
        try:
            authorize(request.user, chosen.name, obj)
        except PermissionDenied as exc:
            # Not this user's step: the page says why, and offers nothing to confirm.
            refusal = str(exc) or _("Your account may not do this.")
        else:
            refusal = ""
            if request.method == "POST" and form.is_valid() and not chosen.when(obj):
                form.add_error(None, _("This step is not possible in the record's present state."))
            else:
                response = submitted(
                    request,
                    form,
                    lambda data: chosen.run(request.user, obj, **data),
                    done=chosen.done or _("Done."),
                    to=self.url("detail", obj.pk),
                )
                if response is not None:
                    return response
        template = "core/_register_step.html" if request.headers.get("HX-Request") else "core/register_step.html"
        return render(
            request,
            template,
            {
                "register": self,
                "object": obj,
                "step": chosen,
                "form": form,
                "action_url": self.url("step", obj.pk, chosen.name),
                "cancel_url": self.url("detail", obj.pk),
                "refusal": refusal,
            },
            status=403 if refusal else 200,
        )

    def action_view(self, request: HttpRequest, name: str, pk: int | None = None) -> HttpResponse:
        obj = self.get(request, pk) if pk is not None else None
        action = next(a for a in self._actions(obj) if a.name == name)
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not action.show(request.user, obj):
            raise PermissionDenied
        form = self.action_form(request, action, obj, request.POST, request.FILES)
        args = () if obj is None else (obj,)
        page = self.url("list") if obj is None else self.url("detail", obj.pk)
        response = submitted(
            request,
            form,
            lambda data: action.run(request.user, *args, **data),
            done=action.done,
            to=(lambda result: action.to(obj, result)) if action.to else page,  # type: ignore[misc]
        )
        if response is not None:
            return response
        if obj is None:
            return self.list_page(request, {name: form})
        return self.detail_page(request, obj.pk, {name: form})

    def urls(self) -> list[URLPattern]:
        view = login_required
        patterns = [
            path(f"{self.path}/", view(self.list_view), name=f"{self.name}-list"),
            path(f"{self.path}/<int:pk>/", view(self.detail_view), name=f"{self.name}-detail"),
        ]
        if self.create_form is not None:
            patterns.append(path(f"{self.path}/new/", view(self.form_view), name=f"{self.name}-create"))
        if self.edit_form is not None:
            patterns.append(path(f"{self.path}/<int:pk>/edit/", view(self.form_view), name=f"{self.name}-edit"))
        for a in self.actions:  # before the steps, whose address would take theirs
            route = f"{self.path}/{a.name}/" if a.on_list else f"{self.path}/<int:pk>/{a.name}/"
            patterns.append(path(route, view(self.action_view), {"name": a.name}, name=f"{self.name}-{a.name}"))
        if self.steps:
            patterns.append(path(f"{self.path}/<int:pk>/<slug:step>/", view(self.step_view), name=f"{self.name}-step"))
        return patterns
