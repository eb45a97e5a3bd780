"""CharacterPlanet: extractor programs from each colony's layout (count, first and last expiry)
and the colony ``last_update`` they were fetched for.

Nullable columns without defaults in the database: cheap on a large table. Existing colonies
have no layout yet (``layout_last_update`` is NULL), so the next planets update fetches them.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("memberaudit", "0008_character_shared_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="characterplanet",
            name="extractors",
            field=models.PositiveSmallIntegerField(
                default=None,
                help_text="extractor control units in the colony (None: layout not fetched)",
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="characterplanet",
            name="extractors_expire_first",
            field=models.DateTimeField(
                default=None, help_text="when the first extractor program ends (or ended)", null=True
            ),
        ),
        migrations.AddField(
            model_name="characterplanet",
            name="extractors_expire_last",
            field=models.DateTimeField(
                default=None, help_text="when the last extractor program ends (or ended)", null=True
            ),
        ),
        migrations.AddField(
            model_name="characterplanet",
            name="layout_last_update",
            field=models.DateTimeField(
                default=None, help_text="the colony's last update the extractor figures belong to", null=True
            ),
        ),
    ]
