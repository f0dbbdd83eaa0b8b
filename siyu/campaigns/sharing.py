"""WeChat forbids rewarding sharing itself (诱导分享, 《微信小程序平台运营规范》): a campaign
that awards points, draws or coupons for the act of sharing is refused, with the reason.
Rewarding what a shared link led to (a friend's first paid order) is not sharing itself
and stays allowed."""

from __future__ import annotations

from django.utils.translation import gettext as _

# Triggers a reward may hang on; "share" is named so it can be refused with its reason.
SHARING_TRIGGERS = frozenset({"share", "share_to_group", "share_to_moments", "invite_click"})
ALLOWED_TRIGGERS = frozenset({"claim", "purchase", "journey", "check_in", "referral_order"})


class SharingRewardRefused(ValueError):
    def __init__(self, trigger: str) -> None:
        self.trigger = trigger
        super().__init__(
            _(
                "Rewards for sharing itself are refused: WeChat's platform rules forbid "
                "inducing shares (诱导分享) with points, draws or coupons, and may block the "
                "mini-program. Reward what the share leads to instead, such as a friend's "
                "first paid order."
            )
        )


def check_reward_trigger(trigger: str) -> str:
    """The trigger if a reward may hang on it; raises for sharing or an unknown trigger."""
    if trigger in SHARING_TRIGGERS:
        raise SharingRewardRefused(trigger)
    if trigger not in ALLOWED_TRIGGERS:
        raise ValueError(_("Unknown reward trigger: %(t)s") % {"t": trigger})
    return trigger
