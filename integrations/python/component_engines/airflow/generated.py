"""What the operators and sensors share: their inputs by manifest key, the parse-time check, and
the classes made for each element of each component's manifest."""

from __future__ import annotations

import keyword
import re
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

from ..component import ComponentUnavailable, Element, InputError

#: Set by each class that runs an element.
ElementClass = TypeVar("ElementClass", bound=type)


def python_name(key: str) -> str:
    """The keyword argument for an input key: snake case, with `_` after a Python keyword."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key)
    name = re.sub(r"(?<=[A-Z])([A-Z][a-z])", r"_\1", name).lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def class_name(component_key: str, element_key: str, suffix: str) -> str:
    """`CrmCreateContactOperator` for `crm` / `createContact` / `Operator`."""
    def pascal(text: str) -> str:
        return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", text) if part)
    return f"{pascal(component_key)}{pascal(element_key)}{suffix}"


def is_literal(value: Any) -> bool:
    """Whether a value is known when the DAG is parsed (no template, no XCom)."""
    if isinstance(value, str):
        return "{{" not in value and "{%" not in value
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_literal(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and is_literal(item) for key, item in value.items())
    return False


def fan_out_input(element: Element, inputs: Mapping[str, Any]) -> str | None:
    """The one input that takes a single value but was given a list (a batch), if any."""
    listed = [key for key, value in inputs.items() if isinstance(value, (list, tuple))
              and (element.schema.get("properties", {}).get(key) or {}).get("type") not in ("array", None)]
    if len(listed) > 1:
        raise InputError(element.key, [f"{', '.join(listed)}: only one input may be given a list (a batch)"])
    return listed[0] if listed else None


def check_literals(element: Element, inputs: Mapping[str, Any]) -> None:
    """Parse-time check of the values already known; raises `InputError` listing every problem."""
    known = {key: value for key, value in inputs.items() if is_literal(value)}
    fan_out = fan_out_input(element, known)
    if fan_out and not known[fan_out]:
        raise InputError(element.key, [f"{fan_out}: the list is empty"])
    items = [{**known, fan_out: item} for item in known[fan_out]] if fan_out else [known]
    # Required inputs are checked only when nothing is left to a template.
    complete = len(known) == len(inputs)
    problems = sorted({problem for item in items for problem in element.problems(item, complete=complete)})
    if problems:
        raise InputError(element.key, problems)


class ElementInputs:
    """An operator's or sensor's inputs: `inputs={...}` by manifest key, and in a generated class
    one keyword argument (and template field) per input."""

    element: Element
    inputs: dict[str, Any]
    task_id: str
    #: The component the element is of (set on generated classes, and by each instance).
    component_key: str | None = None
    #: Keyword argument -> manifest key, in generated classes.
    input_names: Mapping[str, str] = {}

    def all_inputs(self) -> dict[str, Any]:
        values = {key: value for key, value in self.inputs.items() if value is not None}
        values.update({key: getattr(self, name) for name, key in self.input_names.items()
                       if getattr(self, name, None) is not None})
        return values

    def check_inputs(self) -> None:
        try:
            check_literals(self.element, self.all_inputs())
        except InputError as error:
            raise ValueError(f"{self.task_id}: {error}") from None

    def render_template_fields(self, context: Any, jinja_env: Any = None) -> None:
        """Renders as Airflow does, then registers the value of every secret input (a one-time
        code, say) with Airflow's secret masker, before Airflow stores, shows or logs the rendered
        fields: a template can only be masked once it has a value."""
        super().render_template_fields(context, jinja_env)  # type: ignore[misc]
        mask_secret_inputs(self.element.inputs, self.all_inputs())


def mask_secret_inputs(definitions: Iterable[Mapping[str, Any]], values: Mapping[str, Any]) -> None:
    """Registers each value given to an input its manifest marks secret (a connection's token, an
    action's one-time code) with Airflow's masker, in this process and the task's supervisor."""
    from airflow.sdk.log import mask_secret

    for field in definitions:
        value = values.get(str(field.get("key")))
        if field.get("secret") and value not in (None, ""):
            # No name: Airflow ignores a named secret unless the name looks sensitive to it
            # ("token", "password"), and "code" or "apiKey" need not. A list (a batch) or a mapping
            # is given as it is, so that the masker registers each value in it.
            mask_secret(value if isinstance(value, (list, tuple, dict)) else str(value))


def element_class(base: ElementClass, element: Element, component_key: str, suffix: str, argument: str,
                  doc: str) -> ElementClass:
    """A subclass of `base` bound to `element` of the component `component_key` (passed as
    `argument=` and `component=`), its inputs keyword arguments."""
    names = {python_name(str(i["key"])): str(i["key"]) for i in element.inputs if i.get("type") != "connection"}

    def __init__(self: Any, **kwargs: Any) -> None:
        for name in names:
            setattr(self, name, kwargs.pop(name, None))
        base.__init__(self, **{argument: element.key}, component=component_key, **kwargs)

    listed = ", ".join(f"{name} ({key})" if name != key else name for name, key in names.items())
    made_name = class_name(component_key, element.key, suffix)
    # Made by the base's metaclass (Airflow's), as a class statement would be.
    return type(base)(made_name, (base,), {
        "__init__": __init__, "__doc__": f"{doc} Inputs: {listed}.", "__module__": base.__module__,
        "__qualname__": made_name, "template_fields": (*names, *base.template_fields), "input_names": dict(names),
        "component_key": component_key})


def element_classes(base: ElementClass, elements: Iterable[Element], component_key: str, suffix: str, argument: str,
                    doc: Callable[[Element], str], into: dict[str, ElementClass] | None = None) -> dict[str, ElementClass]:
    """One subclass of `base` per element, by class name (added to `into`, whose names it must not take)."""
    classes = into if into is not None else {}
    for element in elements:
        made = element_class(base, element, component_key, suffix, argument, doc(element))
        if made.__name__ in classes:
            raise ValueError(f"two components' elements would both be {made.__name__}: rename a component key")
        classes[made.__name__] = made
    return classes


def lazy_classes(module: str, namespace: dict[str, Any], always: Sequence[str], suffix: str,
                 made: Callable[[], Mapping[str, type]], missing: str) -> Callable[[str], Any]:
    """A module's `__getattr__` for the classes made from the configured components' manifests
    (`CrmCreateContactOperator`, `CrmHook`): made on first use, so that importing the module runs
    no component; `__all__` lists them beside `always` once the components can be read."""

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            try:
                return [*always, *made()]
            except (ComponentUnavailable, KeyError, ValueError):  # no components (yet): only what is always here
                return list(always)
        if name.startswith("__") or not name.endswith(suffix):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        try:
            found = made().get(name)
        except (ComponentUnavailable, KeyError, ValueError) as error:
            raise AttributeError(f"module {module!r} has no attribute {name!r} ({error})") from None
        if found is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}: {missing}")
        namespace[name] = found
        return found

    return __getattr__
