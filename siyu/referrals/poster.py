"""The 任务宝 poster: the programme's name and gift, the inviter's name, and a QR code of
the inviter's invite link (segno, already in the tree for the WeCom simulator's QR codes:
pure Python, no Pillow). An SVG, so it stays sharp when shared and costs no image library."""

from __future__ import annotations

from xml.sax.saxutils import escape

import segno
from django.utils.translation import gettext as _

from siyu.referrals.models import Programme, ReferralCode

WIDTH, HEIGHT = 750, 1334  # a phone screen, WeChat's usual share-poster size


def render_poster(programme: Programme, code: ReferralCode, *, inviter_name: str, link: str) -> str:
    qr = segno.make(link, error="m")
    scale = 12
    size = qr.symbol_size(scale=scale)[0]
    qr_svg = qr.svg_inline(scale=scale, dark="#1f2937", light="#ffffff", omitsize=False)
    x = (WIDTH - size) // 2
    title = escape(programme.name)
    gift = escape(programme.gift_name)
    line = _("Invite %(n)d friends to unlock %(gift)s") % {
        "n": programme.task_target,
        "gift": programme.gift_name or programme.name,
    }
    invited_by = _("%(name)s invites you") % {"name": inviter_name}
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="sans-serif">'
        f'<rect width="100%" height="100%" fill="#fff7ed"/>'
        f'<text x="50%" y="160" font-size="56" text-anchor="middle" fill="#7c2d12">{title}</text>'
        f'<text x="50%" y="250" font-size="34" text-anchor="middle">{escape(line)}</text>'
        f'<text x="50%" y="310" font-size="30" text-anchor="middle" fill="#9a3412">{gift}</text>'
        f'<g transform="translate({x},400)">{qr_svg}</g>'
        f'<text x="50%" y="{460 + size}" font-size="30" text-anchor="middle">'
        f"{escape(invited_by)}</text>"
        f'<text x="50%" y="{510 + size}" font-size="26" text-anchor="middle" fill="#6b7280">'
        f"{escape(code.code)}</text></svg>"
    )
