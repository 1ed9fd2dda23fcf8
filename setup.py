"""Build the optional C loops of the feature transform (``stance.features._kernels``).

Everything else is declared in pyproject.toml. The extension is optional: without a C compiler the
install goes on, and ``stance.features.compiled`` runs the same computation in numpy
(``stance.features.compiled.KERNELS`` says which one runs).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("stance.features._kernels", ["stance/features/_kernels.c"], optional=True)])
