"""The built-in survey templates of the renovation programme, one YAML file each, in the order
a compound meets them."""

from __future__ import annotations

from importlib import resources

from surveys.voting.schema import SurveyDefinition, load_definition

_NAMES = (
    "willingness",  # 意愿征询
    "content",  # 改造内容清单
    "contribution",  # 出资意愿
    "elevator",  # 加装电梯表决
    "management",  # 改造后管理模式
    "acceptance",  # 竣工验收
    "satisfaction",  # 效果共评
)


def template_names() -> tuple[str, ...]:
    return _NAMES


def template_text(name: str) -> str:
    """The YAML of a template, as a survey stores it. Raise KeyError for an unknown name."""
    if name not in _NAMES:
        raise KeyError(name)
    return resources.files(__name__).joinpath(f"{name}.yaml").read_text("utf-8")


def load_template(name: str) -> SurveyDefinition:
    """Raise KeyError for a name that is not a template."""
    return load_definition(template_text(name))
