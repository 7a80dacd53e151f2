"""A forgotten password, reset by e-mail (docs/accounts.md): who gets the mail, and how often.

Django's own views send it (``web.account_views.ResetView``) with this form."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordResetForm
from django.contrib.sites.shortcuts import get_current_site

from zerocity.core import login_throttle
from zerocity.core.selectors import address_owner


class ResetForm(PasswordResetForm):
    """Django's password reset, sent to the address's owner only (``address_owner``: an
    account that gave the address later, by anyone, gets nothing), and to an address without
    an account, a mail saying so: the page answers the same whether an account has it or not,
    and each address gets one mail either way, at most ``RESETS_PER_ADDRESS`` an hour (more
    are not sent, and the page does not say so: it would tell who asked before)."""

    def get_users(self, email: str) -> Any:
        owner = address_owner(email)
        return [] if owner is None else [owner]

    def save(self, *args: Any, **kwargs: Any) -> None:
        email = self.cleaned_data["email"]
        if not login_throttle.reset_allowed("address", email, login_throttle.RESETS_PER_ADDRESS):
            return None
        if self.get_users(email):
            return super().save(*args, **kwargs)
        request = kwargs.get("request")
        site = get_current_site(request)
        self.send_mail("web/accounts/no_account_subject.txt",
                       "web/accounts/no_account_email.txt",
                       {"email": email, "domain": kwargs.get("domain_override") or site.domain,
                        "protocol": "https" if kwargs.get("use_https") else "http"},
                       kwargs.get("from_email"), email)
        return None
