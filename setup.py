"""Builds the compiled scorer's Cython kernel; everything else is declared in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

setup(
    ext_modules=cythonize(
        [Extension("scoring._kernel", ["scoring/_kernel.pyx"], extra_compile_args=["-O3"])],
        language_level=3,
    )
)
