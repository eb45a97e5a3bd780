"""CharacterInteraction.last_row: the newest evidence row counted, so the index reads only new
rows of append-only sections (wallet journal and transactions).

The table is new in 0005 (same release) and is filled by ``memberaudit_intel_index``: adding a
column with a constant default costs nothing on it. Rows indexed before read their history once
more on the next sync of an append-only section (``last_row`` 0 means "read everything").
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("memberaudit", "0006_sectionstatus_last_checked_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="characterinteraction",
            name="last_row",
            field=models.BigIntegerField(default=0),
        ),
    ]
