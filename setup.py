"""Packaging of Member Audit."""

import os
import re

from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))

with open(os.path.join(HERE, "memberaudit", "__init__.py"), encoding="utf-8") as f:
    __version__ = re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)

with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
    long_description = f.read()

setup(
    name="memberaudit",
    version=__version__,
    packages=find_packages(include=["memberaudit", "memberaudit.*"]),
    include_package_data=True,
    license="MIT",
    description="Alliance Auth app that gives organisations full, auditable access to their members' characters",
    long_description=long_description,
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    install_requires=[
        "allianceauth>=5.0,<6",
        "allianceauth-app-utils>=1.33",
        "django-esi>=10,<11",
        "django-eveuniverse>=2.2",
        "django-bootstrap-form",
        "celery>=5.3",
        "humanize>=4",
        "nh3>=0.2",
    ],
    extras_require={
        "test": [
            "fakeredis[lua]>=2.30",
            "pytest>=8",
            "pytest-django>=4.9",
            "pytest-cov>=5",
            "coverage>=7",
            "ruff>=0.6",
        ],
        "mysql": ["mysqlclient"],
    },
    classifiers=[
        "Environment :: Web Environment",
        "Framework :: Django",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "License :: OSI Approved :: MIT License",
        "Operating System :: OS Independent",
        "Programming Language :: Python",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Topic :: Internet :: WWW/HTTP",
        "Topic :: Internet :: WWW/HTTP :: Dynamic Content",
    ],
)
