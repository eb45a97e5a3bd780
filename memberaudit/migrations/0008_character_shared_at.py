"""Character.shared_at: when a character was shared, so shares can expire
(``MEMBERAUDIT_SHARING_TIMEOUT``, ``memberaudit.sharing.expire_shares``).

A nullable column without a default: cheap on a large table. Characters shared before this
migration count as shared now, so a timeout configured later never ends their share at once.
"""

from django.db import migrations, models
from django.utils import timezone


def shared_now(apps, schema_editor):
    Character = apps.get_model("memberaudit", "Character")
    Character.objects.filter(is_shared=True, shared_at__isnull=True).update(shared_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [
        ("memberaudit", "0007_interaction_last_row"),
    ]

    operations = [
        migrations.AddField(
            model_name="character",
            name="shared_at",
            field=models.DateTimeField(
                blank=True,
                default=None,
                help_text="When the character was last shared (MEMBERAUDIT_SHARING_TIMEOUT counts from here)",
                null=True,
            ),
        ),
        migrations.RunPython(shared_now, migrations.RunPython.noop, elidable=True),
    ]
