"""All writes to companies, people and careers. Views, API, import, CLI and jobs call these functions."""

from .companies import create_company, delete_company, restore_company, update_company
from .employments import add_employment, delete_employment, update_employment
from .people import (
    confirm_contact_point,
    create_person,
    delete_person,
    resolve_unparsed_value,
    restore_person,
    update_person,
)
from .sites import add_site, delete_site, update_site

__all__ = [
    "add_employment",
    "add_site",
    "confirm_contact_point",
    "create_company",
    "create_person",
    "delete_company",
    "delete_employment",
    "delete_person",
    "delete_site",
    "resolve_unparsed_value",
    "restore_company",
    "restore_person",
    "update_company",
    "update_employment",
    "update_person",
    "update_site",
]
