"""Each service folder has a short README that stays true: it has the sections a reader looks
for, names every event the service publishes and every subject its consumers take, and
every setting of its own (``ORDERS_UNPAID_TIMEOUT``); the code is the source of all three."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from tests.docs.test_links import ROOT

from marketplace_contracts import EVENT_TYPES
from marketplace_platform.settings import ServiceSettings

pytestmark = pytest.mark.unit

SERVICES = sorted(path.name for path in (ROOT / "services").iterdir() if (path / "src").is_dir())
SECTIONS = ["## API", "## Events", "## Settings", "## Tests alone"]


def _readme(service: str) -> str:
    path = ROOT / "services" / service / "README.md"
    assert path.is_file(), f"services/{service}/README.md is missing"
    return path.read_text(encoding="utf-8")


def _settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}_service.settings")
    [found] = {
        value for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    }
    return found


def _consumed(service: str) -> set[str]:
    package = f"{service}_service.consumers"
    try:
        consumers = importlib.import_module(package)
    except ModuleNotFoundError:
        return set()
    subjects: set[str] = set()
    for info in pkgutil.iter_modules(consumers.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        subjects.update(getattr(module, "SUBJECTS", ()))
    return subjects


def test_every_service_is_covered() -> None:
    assert {"auth", "catalog", "orders", "payments", "gateway"} <= set(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_the_readme_has_its_sections(service: str) -> None:
    text = _readme(service)
    assert [section for section in SECTIONS if section not in text] == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_readme_names_the_events_published_and_consumed(service: str) -> None:
    text = _readme(service)
    published = {name for name in EVENT_TYPES if name.startswith(f"{service}.")}
    assert sorted(name for name in published | _consumed(service) if f"`{name}`" not in text) == []


@pytest.mark.parametrize("service", SERVICES)
def test_the_readme_names_every_setting_of_the_service(service: str) -> None:
    text = _readme(service)
    settings = _settings_class(service)
    prefix = settings.model_config.get("env_prefix", "")
    own = set(settings.model_fields) - set(ServiceSettings.model_fields)
    assert sorted(
        f"{prefix}{name.upper()}" for name in own if f"`{prefix}{name.upper()}`" not in text
    ) == []


def test_the_launcher_has_a_readme() -> None:
    assert (ROOT / "launcher" / "README.md").is_file()


def test_the_readers_of_the_code_find_what_they_look_for() -> None:
    assert _settings_class("orders").model_config.get("env_prefix") == "ORDERS_"
    assert "payments.payment.succeeded.v1" in _consumed("orders")
