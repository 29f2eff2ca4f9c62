"""Who the program runs as: `pkgload run --user USER[:GROUP]`, as `docker run --user` reads it.

USER and GROUP are numbers or names. Names are looked up in the host's
passwd and group databases (the guest's are generated from the result, see
loader/etc.py), as docker looks them up in the container's. Without GROUP the
group is the user's primary group when the host knows the user, else 0, as
docker does. The names the guest shows are the host's for the same ids, so
`id` prints the same inside and out; ids the host does not name are called
`pkgload`. A user other than root and nobody gets a home folder /home/NAME,
owned by it, and HOME points there; nobody's is /nonexistent, as Debian's.
"""

from __future__ import annotations

import grp
import pwd
from dataclasses import dataclass

FALLBACK_NAME = "pkgload"  # the name of an id the host has no name for
# The ids the generated passwd and group always hold (loader/etc.py), and
# the homes its users have.
BUILTIN_USERS = {0: "root", 65534: "nobody"}
BUILTIN_HOMES = {0: "/root", 65534: "/nonexistent"}
BUILTIN_GROUPS = {0: "root", 65534: "nogroup"}
MAX_ID = 2**32 - 2  # (uid_t)-1 means "no change" to the set*id calls


class UserSpecError(ValueError):
    """A --user value that names no user or group: the message says which."""


@dataclass(frozen=True)
class Identity:
    """The program's user and group ids, with the names and home the guest gives them."""

    uid: int = 0
    gid: int = 0
    user: str = "root"
    group: str = "root"
    home: str = "/root"

    @property
    def is_root(self) -> bool:
        """True for uid 0, the default."""
        return self.uid == 0

    @property
    def has_own_home(self) -> bool:
        """True when the image makes the user a home folder: not for root and nobody."""
        return self.uid not in BUILTIN_USERS


ROOT = Identity()


def parse_user(spec: str) -> Identity:
    """Return the Identity of a --user value: UID, NAME, UID:GID, NAME:GROUP (mixed too).

    Raises UserSpecError for an empty part, an id out of range, or a name the
    host's passwd or group does not have.
    """
    user_part, sep, group_part = spec.partition(":")
    if not user_part or (sep and not group_part):
        raise UserSpecError(f"{spec!r}: expected USER[:GROUP], each a number or a name")
    uid, host_user = _get_user(user_part)
    if sep:
        gid = _get_group(group_part)
    else:
        gid = host_user.pw_gid if host_user is not None else 0
    user = _user_name(uid, host_user)
    return Identity(uid, gid, user, _group_name(gid), BUILTIN_HOMES.get(uid, f"/home/{user}"))


def _get_user(part: str) -> tuple[int, pwd.struct_passwd | None]:
    """Return the uid a USER part names and the host's passwd entry for it, if any."""
    if part.isdigit():
        uid = _check_id(int(part), "user")
        try:
            return uid, pwd.getpwuid(uid)
        except KeyError:
            return uid, None
    try:
        entry = pwd.getpwnam(part)
    except KeyError:
        raise UserSpecError(f"{part}: no such user in the host's passwd, give a number") from None
    return entry.pw_uid, entry


def _get_group(part: str) -> int:
    """Return the gid a GROUP part names."""
    if part.isdigit():
        return _check_id(int(part), "group")
    try:
        return grp.getgrnam(part).gr_gid
    except KeyError:
        raise UserSpecError(f"{part}: no such group in the host's group file, give a number") from None


def _check_id(n: int, what: str) -> int:
    """Return n if it is a valid id, else raise UserSpecError."""
    if n > MAX_ID:
        raise UserSpecError(f"{n}: not a {what} id, use 0 to {MAX_ID}")
    return n


def _user_name(uid: int, host_user: pwd.struct_passwd | None) -> str:
    """Return the guest's name for uid: the builtin one, the host's, or FALLBACK_NAME."""
    if uid in BUILTIN_USERS:
        return BUILTIN_USERS[uid]
    return host_user.pw_name if host_user is not None else FALLBACK_NAME


def _group_name(gid: int) -> str:
    """Return the guest's name for gid: the builtin one, the host's, or FALLBACK_NAME."""
    if gid in BUILTIN_GROUPS:
        return BUILTIN_GROUPS[gid]
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return FALLBACK_NAME
