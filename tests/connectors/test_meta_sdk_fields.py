"""Every field and edge the Meta connector requests exists in Meta's maintained SDK (facebook-business).

The SDK is a test dependency only: it is the machine-readable list of Graph fields Meta keeps current.
"""

from __future__ import annotations

import pytest

from connectors.meta import graph as meta

adobjects = pytest.importorskip("facebook_business.adobjects")
from facebook_business.adobjects.assigneduser import AssignedUser  # noqa: E402
from facebook_business.adobjects.business import Business  # noqa: E402
from facebook_business.adobjects.businessrolerequest import BusinessRoleRequest  # noqa: E402
from facebook_business.adobjects.businessuser import BusinessUser  # noqa: E402
from facebook_business.adobjects.igmedia import IGMedia  # noqa: E402
from facebook_business.adobjects.iguser import IGUser  # noqa: E402
from facebook_business.adobjects.page import Page  # noqa: E402
from facebook_business.adobjects.pagepost import PagePost  # noqa: E402
from facebook_business.adobjects.systemuser import SystemUser  # noqa: E402
from facebook_business.adobjects.user import User  # noqa: E402

# Fields Graph adds on an edge rather than on the node (documented on the edge's reference page).
EDGE_FIELDS = {"assigned_users": {"tasks", "permitted_tasks"}}


def declared(cls: type) -> set[str]:
    return {name for name in vars(cls.Field) if not name.startswith("_")}


@pytest.mark.parametrize(
    ("fields", "cls", "edge"),
    [
        (meta.PAGE_FIELDS, Page, None),
        (meta.BUSINESS_FIELDS, Business, None),
        (meta.BUSINESS_USER_FIELDS, BusinessUser, None),
        (meta.PENDING_USER_FIELDS, BusinessRoleRequest, None),
        (meta.ASSIGNED_USER_FIELDS, AssignedUser, "assigned_users"),
        (meta.ROLES_FIELDS, User, None),
        (meta.SYSTEM_USER_FIELDS, SystemUser, None),
        (meta.POST_FIELDS, PagePost, None),
        (meta.IG_FIELDS, IGUser, None),
        (meta.MEDIA_FIELDS, IGMedia, None),
    ],
)
def test_requested_fields_exist_in_the_sdk(fields, cls, edge):
    requested = set(fields.split(","))
    missing = requested - declared(cls) - EDGE_FIELDS.get(edge, set())
    assert not missing, f"{cls.__name__} has no field(s) {sorted(missing)}"


@pytest.mark.parametrize(
    ("cls", "method"),
    [
        (Page, "get_assigned_users"),
        (Page, "get_roles"),
        (Page, "get_published_posts"),
        (Business, "get_business_users"),
        (Business, "get_pending_users"),
        (Business, "get_system_users"),
        (Business, "get_owned_pages"),
        (Business, "get_owned_instagram_accounts"),
        (IGUser, "get_media"),
        (User, "get_businesses"),
    ],
)
def test_requested_edges_exist_in_the_sdk(cls, method):
    assert callable(getattr(cls, method, None)), f"{cls.__name__}.{method}"


def test_two_factor_enum_matches_the_sdk():
    values = {v for k, v in vars(Business.TwoFactorType).items() if not k.startswith("_")}
    assert values == {"admin_required", "all_required", "none"}


def test_page_task_names_used_for_roles_exist():
    tasks = {v for k, v in vars(Page.Tasks).items() if not k.startswith("_")}
    used = set().union(*(task_set for task_set, _ in meta.TASK_ROLES))
    assert used <= tasks, used - tasks
