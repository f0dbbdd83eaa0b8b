"""Take over the tables the WeCom adapter created (renamed by wecom_sync 0003): state
only, the rows stay where they are."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('wecom_sync', '0003_hand_group_chats_and_transfers_to_domain_apps'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='GroupChat',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('chat_id', models.CharField(max_length=64, unique=True)),
                        ('name', models.CharField(blank=True, default='', max_length=200)),
                        ('owner_userid', models.CharField(blank=True, default='', max_length=64)),
                        ('member_count', models.PositiveIntegerField(default=0)),
                        ('status', models.PositiveSmallIntegerField(default=0)),
                        ('synced_at', models.DateTimeField()),
                    ],
                ),
            ],
            database_operations=[],
        ),
    ]
