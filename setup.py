"""Build the optional C loops: the feature transform's (``stance.features._kernels``) and the language
check's word counts (``stance.text._language``).

Everything else is declared in pyproject.toml. The extension is optional: without a C compiler the
install goes on, and the same computations run in numpy and Python (``stance.features.compiled.KERNELS``
says which one runs).
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("stance.features._kernels", ["stance/features/_kernels.c"], optional=True),
    Extension("stance.text._language", ["stance/text/_language.c"], optional=True),
])
