"""Take over the tables the WeCom adapter created (renamed by wecom_sync 0003): state
only, the rows stay where they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('wecom_sync', '0003_hand_group_chats_and_transfers_to_domain_apps'),
        ('core', '0001_initial'),
        ('customers', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TransferJob',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('resigned', models.BooleanField(default=False)),
                        ('message', models.CharField(blank=True, default='', max_length=200)),
                        ('finished', models.BooleanField(default=False)),
                        ('groups_moved', models.JSONField(blank=True, default=list)),
                        ('groups_left_out', models.JSONField(blank=True, default=list)),
                        ('created_at', models.DateTimeField()),
                        ('updated_at', models.DateTimeField()),
                        ('from_staff', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.staff')),
                        ('to_staff', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.staff')),
                    ],
                ),
                migrations.CreateModel(
                    name='TransferItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('external_userid', models.CharField(max_length=64)),
                        ('status', models.CharField(choices=[('pending', 'waiting for the customer'), ('done', 'transferred'), ('refused', 'refused by the customer'), ('limited', 'taker over the customer limit'), ('failed', 'rejected by WeCom')], default='pending', max_length=10)),
                        ('wecom_status', models.PositiveSmallIntegerField(blank=True, null=True)),
                        ('errcode', models.IntegerField(default=0)),
                        ('fail_reason', models.CharField(blank=True, default='', max_length=64)),
                        ('updated_at', models.DateTimeField()),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer')),
                        ('job', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='transfers.transferjob')),
                    ],
                ),
                migrations.AddIndex(
                    model_name='transferjob',
                    index=models.Index(condition=models.Q(('finished', False)), fields=['created_at'], name='wecom_transfer_open'),
                ),
                migrations.AddConstraint(
                    model_name='transferitem',
                    constraint=models.UniqueConstraint(fields=('job', 'external_userid'), name='wecom_transfer_item_once'),
                ),
            ],
            database_operations=[],
        ),
    ]
