"""SectionStatus.last_checked_at: when a section was last checked, changed or not.

A nullable column without a default: cheap on every database (no table rewrite). Existing rows
start as NULL; pages fall back to ``last_success_at`` until the first flush of check times.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("memberaudit", "0005_intel"),
    ]

    operations = [
        migrations.AddField(
            model_name="sectionstatus",
            name="last_checked_at",
            field=models.DateTimeField(
                default=None,
                help_text="When ESI was last asked successfully, changed or not (written in bulk from the cache)",
                null=True,
            ),
        ),
    ]
