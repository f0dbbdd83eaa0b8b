"""An index on the welcome sends' add time, for the first screen's welcomes of the day.

Without it the day's welcomes are found by reading every welcome the brand ever sent (one
per added contact: a million rows at a million customers). The console has no tables of
its own; the index is created here by SQL, on both engines, because the first screen is
the query that needs it. When the channels app next changes its models it can declare
this index in ``WelcomeSend.Meta`` under the same name (``IF NOT EXISTS`` keeps both
paths safe).
"""

from django.db import migrations

INDEX = "welcome_event_at"


class Migration(migrations.Migration):
    dependencies = [("channels", "0002_code_tags_and_welcome_variant")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON channels_welcomesend (event_at)",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
    ]
