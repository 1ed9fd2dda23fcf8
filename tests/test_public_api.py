"""The public surface of the stance package: names, version, exception hierarchy."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import pytest

import stance
from stance import exceptions

PUBLIC_NAMES = [
    "ArticleSummary",
    "ClaimStanceClassifier",
    "DataError",
    "DataRootNotFoundError",
    "Document",
    "Evidence",
    "InputTooLargeError",
    "InvalidInputError",
    "InvalidParameterError",
    "LabelError",
    "ModelError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionError",
    "NotFittedError",
    "ParagraphResult",
    "StanceClassifier",
    "StanceError",
    "StanceModel",
    "TopicClassifier",
    "UntrustedModelError",
    "WordVectors",
    "__version__",
    "analyze",
    "detect_language",
    "export_model",
    "load_model",
    "load_word_vectors",
    "normalize",
    "save_model",
    "split_paragraphs",
    "split_sentences",
    "tokenize",
    "train_model",
]


def test_all_is_exactly_the_documented_set():
    assert sorted(stance.__all__) == sorted(PUBLIC_NAMES)
    assert len(stance.__all__) == len(set(stance.__all__))


@pytest.mark.parametrize("name", PUBLIC_NAMES)
def test_every_public_name_exists(name):
    assert getattr(stance, name) is not None


def test_star_import_gives_the_public_names():
    namespace: dict = {}
    exec("from stance import *", namespace)
    assert set(PUBLIC_NAMES) <= set(namespace)


def test_public_names_come_from_their_modules():
    from stance.model import stance_model as api
    from stance.estimators import linear as models
    from stance.io import persistence
    from stance.text import processing as text
    from stance import training

    assert stance.StanceModel is api.StanceModel
    assert stance.analyze.__module__ == "stance"  # the one convenience function defined at the root
    assert stance.TopicClassifier is models.TopicClassifier
    assert stance.StanceClassifier is models.StanceClassifier
    assert stance.load_model is persistence.load_model
    assert stance.save_model is persistence.save_model
    assert stance.export_model is persistence.export_model
    assert stance.split_paragraphs is text.split_paragraphs
    assert stance.train_model is training.train_model


def test_version_is_a_string():
    assert isinstance(stance.__version__, str)
    assert stance.__version__.count(".") >= 2
    assert stance.__version__ == stance._version.__version__


#: The distribution's name on the package index ("stance" there is an unrelated project).
DISTRIBUTION = "stance-nlp"
REPO = Path(__file__).resolve().parents[1]


def test_version_matches_distribution_metadata():
    try:
        installed = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        pytest.skip(f"the {DISTRIBUTION} distribution is not installed (running from a source checkout)")
    assert stance.__version__ == installed


def test_distribution_name_license_and_readme_agree():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == DISTRIBUTION
    assert project["license"] == {"text": "Apache-2.0"}
    license_text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"pip install {DISTRIBUTION}" in readme
    assert {"pandas>=2.0"} <= set(project["optional-dependencies"]["dev"])


def test_not_fitted_error_is_scikit_learns():
    from sklearn.exceptions import NotFittedError

    assert stance.NotFittedError is NotFittedError


@pytest.mark.parametrize(
    ("exc", "bases"),
    [
        (exceptions.InvalidInputError, (exceptions.StanceError, ValueError)),
        (exceptions.InputTooLargeError, (exceptions.InvalidInputError,)),
        (exceptions.InvalidParameterError, (exceptions.StanceError, ValueError, TypeError)),
        (exceptions.DataError, (exceptions.StanceError, ValueError)),
        (exceptions.LabelError, (exceptions.DataError,)),
        (exceptions.DataRootNotFoundError, (exceptions.StanceError, FileNotFoundError)),
        (exceptions.ModelError, (exceptions.StanceError, OSError)),
        (exceptions.ModelNotFoundError, (exceptions.ModelError, FileNotFoundError)),
        (exceptions.ModelIntegrityError, (exceptions.ModelError,)),
        (exceptions.ModelVersionError, (exceptions.ModelError,)),
        (exceptions.UntrustedModelError, (exceptions.ModelError, PermissionError, OSError)),
    ],
)
def test_exception_hierarchy(exc, bases):
    for base in bases:
        assert issubclass(exc, base)
    assert issubclass(exc, exceptions.StanceError)
    assert getattr(stance, exc.__name__) is exc


def test_stance_error_is_not_caught_as_a_builtin_value_error_by_accident():
    assert not issubclass(exceptions.ModelError, ValueError)
    assert not issubclass(exceptions.DataRootNotFoundError, ValueError)
    assert not issubclass(exceptions.InvalidInputError, OSError)
    assert not issubclass(exceptions.UntrustedModelError, ValueError)


def test_exceptions_all_lists_every_exception():
    assert sorted(exceptions.__all__) == sorted(
        name for name in PUBLIC_NAMES if name.endswith("Error")
    )


def test_ci_installs_chromium_when_it_can_then_runs_the_readme_test_command():
    import re
    import subprocess

    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = re.search(r'python -m pip install -e "\.\[dev\]" && (python -m pytest -q)', readme).group(1)
    lines = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert lines[-1] == command  # exactly the README's test command, last
    assert 'python -m pip install --quiet --disable-pip-version-check -e ".[dev]"' in lines[1:3]
    install = script.index("apt-get install -y")
    assert script.index("command -v apt-get") < install and script.index('"$(id -u)" -ne 0') < install
    assert "chromium" in script[install:install + 80]
    assert "will be skipped" in script  # says why when it cannot install
    assert subprocess.run(["bash", "-n", str(REPO / ".ci" / "run")]).returncode == 0
