"""Build the POST data a person's browser would send from an admin form page."""


def _value(bound):
    value = bound.value()
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return [getattr(v, "pk", v) for v in value]
    if isinstance(value, bool):
        return "on" if value else ""
    return getattr(value, "pk", value)


def admin_form_data(response, **changes):
    """Return the form as loaded on the page, with changes applied."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = _value(form[name])
        if value != "" or name == "loaded_version":
            data[form.add_prefix(name)] = value
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = _value(management[name])
        for sub in formset.initial_forms:
            for name in sub.fields:
                value = _value(sub[name])
                if value != "":
                    data[sub.add_prefix(name)] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}
