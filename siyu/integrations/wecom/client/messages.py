"""Welcome messages, mass-message tasks and their results, temporary media."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from siyu.integrations.wecom.client.core import Json, WeComCore
from siyu.integrations.wecom.client.models import MediaUpload

EC = "/cgi-bin/externalcontact"
MEDIA_LIFETIME = timedelta(days=3)
# Re-upload a day early: a welcome must never wait for an upload inside its 20 s window.
REUPLOAD_AHEAD = timedelta(days=1)


class MessagesAPI(WeComCore):
    def send_welcome_msg(
        self, welcome_code: str, text: str, attachments: Sequence[Json] = ()
    ) -> None:
        """Raises WelcomeAlreadySent (41051, final) or WelcomeBusy (41096, retryable)."""
        body: Json = {"welcome_code": welcome_code, "text": {"content": text}}
        if attachments:
            body["attachments"] = list(attachments)[:9]  # WeCom takes at most 9
        self.post(f"{EC}/send_welcome_msg", body)

    def add_msg_template(
        self,
        *,
        sender: str,
        text: str,
        external_userids: Sequence[str] = (),
        chat_ids: Sequence[str] = (),
        attachments: Sequence[Json] = (),
    ) -> Json:
        """A mass-message task the sender must confirm in WeCom: to customers, or to the
        sender's groups when ``chat_ids`` is given. Returns {msgid, fail_list}."""
        body: Json = {
            "chat_type": "group" if chat_ids else "single",
            "sender": sender,
            "text": {"content": text},
            "attachments": list(attachments)[:9],
        }
        if chat_ids:
            body["chat_id_list"] = list(chat_ids)
        else:
            body["external_userid"] = list(external_userids)
        data = self.post(f"{EC}/add_msg_template", body)
        return {"msgid": data.get("msgid", ""), "fail_list": data.get("fail_list", [])}

    def groupmsg_send_results(self, msgid: str, userid: str) -> Iterator[Json]:
        """status 0 unsent, 1 sent, 2 not a friend, 3 got another mass message already."""
        cursor = ""
        while True:
            body = {"msgid": msgid, "userid": userid, "limit": 1000, "cursor": cursor}
            data = self.post(f"{EC}/get_groupmsg_send_result", body)
            yield from data.get("send_list", [])
            cursor = str(data.get("next_cursor") or "")
            if not cursor:
                return

    def upload_media(self, media_type: str, filename: str, content: bytes) -> tuple[str, datetime]:
        data = self.call(
            "POST",
            "/cgi-bin/media/upload",
            params={"type": media_type},
            files={"media": (filename, content)},
        )
        created = datetime.fromtimestamp(int(data.get("created_at") or 0), tz=UTC)
        return str(data["media_id"]), created

    def cached_media_id(self, key: str) -> str | None:
        """For the welcome path: a media id still valid for a while, or None. Never uploads."""
        row = MediaUpload.objects.filter(
            corp_id=self.corp_id, key=key, expires_at__gt=timezone.now() + timedelta(minutes=5)
        ).first()
        return row.media_id if row else None

    def forget_media(self, keys: Sequence[str]) -> None:
        """WeCom no longer knows these uploads: drop them, so the next job uploads anew."""
        MediaUpload.objects.filter(corp_id=self.corp_id, key__in=list(keys)).delete()

    def ensure_media(self, key: str, media_type: str, filename: str, content: bytes) -> str:
        """Upload unless a cached id lives more than a day longer; used ahead of time."""
        now = timezone.now()
        row = MediaUpload.objects.filter(corp_id=self.corp_id, key=key).first()
        if row is not None and row.expires_at > now + REUPLOAD_AHEAD:
            return str(row.media_id)
        media_id, created = self.upload_media(media_type, filename, content)
        uploaded = created if created.year > 2000 else now
        with transaction.atomic():
            MediaUpload.objects.update_or_create(
                corp_id=self.corp_id,
                key=key,
                defaults={
                    "media_type": media_type,
                    "media_id": media_id,
                    "uploaded_at": uploaded,
                    "expires_at": uploaded + MEDIA_LIFETIME,
                },
            )
        return media_id
