"""Build hook: the prompt templates, edited in the top-level prompts/ folder, ship inside the
package as assistant/resources/prompts/ (the rest of the configuration is in pyproject.toml)."""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PROMPTS = Path(__file__).resolve().parent / "prompts"


class BuildWithPrompts(build_py):
    """build_py, then a copy of prompts/*.yaml into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "assistant" / "resources" / "prompts"
        self.mkpath(str(target))
        for path in sorted(PROMPTS.glob("*.yaml")):
            self.copy_file(str(path), str(target / path.name))


setup(cmdclass={"build_py": BuildWithPrompts})
