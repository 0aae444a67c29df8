"""Facts about each platform that hold whatever connector or credential is used.

They are platform facts, not tool settings: whether the platform lets every person have an individual
user (the guide forbids shared logins where it does), whether it is a social network or another digital
platform (the guide asks IT to rule out duplicates for the latter), and where an account's public page is.
A profile can override `multi_user` per platform (INV-014's `single_login_platforms` parameter).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from auditor.model import Platform


@dataclass(frozen=True)
class PlatformInfo:
    id: Platform
    name: str
    social: bool
    multi_user: bool
    has_public_handle: bool
    profile_url: str | None  # format string with {handle}
    observable: bool = True  # False: no API the auditor connects to; live rules report «no observable en esta red»

    def url_for(self, handle: str | None) -> str | None:
        if not handle or not self.profile_url:
            return None
        return self.profile_url.format(handle=quote(handle, safe=""))


PLATFORMS: dict[Platform, PlatformInfo] = {
    p.id: p
    for p in (
        # Meta Business Manager gives each person an individual role on a Page.
        PlatformInfo(Platform.FACEBOOK, "Facebook", True, True, True, "https://www.facebook.com/{handle}"),
        PlatformInfo(Platform.INSTAGRAM, "Instagram", True, True, True, "https://www.instagram.com/{handle}"),
        # X and TikTok accounts are run through one login (no delegated users for most accounts).
        PlatformInfo(Platform.X, "X (Twitter)", True, False, True, "https://x.com/{handle}"),
        PlatformInfo(Platform.YOUTUBE, "YouTube", True, True, True, "https://www.youtube.com/@{handle}"),
        PlatformInfo(Platform.LINKEDIN, "LinkedIn", True, True, True, "https://www.linkedin.com/company/{handle}"),
        PlatformInfo(Platform.TIKTOK, "TikTok", True, False, True, "https://www.tiktok.com/@{handle}"),
        # Non-social platforms the guide names: Google (Drive/Workspace), Zoom, Mailchimp.
        PlatformInfo(Platform.GOOGLE, "Google Workspace / Drive", False, True, False, None),
        PlatformInfo(Platform.ZOOM, "Zoom", False, True, False, None),
        # Mailchimp has user levels, but its API cannot show them: the audit treats it as one login, so several
        # people on it need the RSI usage protocol (INV-014) unless a profile says otherwise.
        PlatformInfo(Platform.MAILCHIMP, "Mailchimp", False, False, False, None),
        # «entre otros»: networks an institution may register that no connector reads.
        PlatformInfo(Platform.THREADS, "Threads", True, False, True, "https://www.threads.net/@{handle}", False),
        PlatformInfo(Platform.WHATSAPP, "Canal de WhatsApp", True, False, False, None, False),
        PlatformInfo(Platform.TELEGRAM, "Telegram", True, False, True, "https://t.me/{handle}", False),
        PlatformInfo(Platform.FLICKR, "Flickr", True, False, True, "https://www.flickr.com/people/{handle}", False),
        PlatformInfo(Platform.SPOTIFY, "Spotify", True, False, False, None, False),
        PlatformInfo(Platform.SOUNDCLOUD, "SoundCloud", True, False, True, "https://soundcloud.com/{handle}", False),
        PlatformInfo(Platform.OTHER, "Otra red", True, False, False, None, False),
    )
}


# Platforms whose user ids are one space: a Meta user id recorded for a Facebook Page names the same person on
# the Business's Instagram accounts (Business-scoped ids).
USER_SPACES: dict[Platform, str] = {Platform.FACEBOOK: "meta", Platform.INSTAGRAM: "meta"}


def user_space(platform: Platform) -> str:
    """The id space a platform's user ids live in (the platform itself unless it shares one)."""
    return USER_SPACES.get(platform, platform.value)
