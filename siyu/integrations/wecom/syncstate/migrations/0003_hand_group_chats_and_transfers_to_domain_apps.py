"""Group chats and transfer jobs move to the domain apps ``groups`` and ``transfers``.

The tables are renamed in place (rows, ids and indexes kept); the new apps' first
migrations take the models over in Django's state without touching the database.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('wecom_sync', '0002_transfer_groups_moved'),
    ]

    operations = [
        migrations.AlterModelTable(name='groupchat', table='groups_groupchat'),
        migrations.AlterModelTable(name='transferjob', table='transfers_transferjob'),
        migrations.AlterModelTable(name='transferitem', table='transfers_transferitem'),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='TransferItem'),
                migrations.DeleteModel(name='TransferJob'),
                migrations.DeleteModel(name='GroupChat'),
            ],
            database_operations=[],
        ),
    ]
