"""Service point areas name the transformer area they lie in, so CN counts their customers once."""

from django.db import migrations, models

BATCH = 5_000


def backfill_within(apps, schema_editor) -> None:
    OutageArea = apps.get_model("grid", "OutageArea")
    ServicePoint = apps.get_model("grid", "ServicePoint")
    rows = list(OutageArea.objects.filter(area__startswith="s").only("pk", "area"))
    points = {int(row.area[1:]) for row in rows if row.area[1:].isdigit()}
    transformer_of = dict(ServicePoint.objects.filter(pk__in=points).values_list("pk", "transformer_id"))
    for row in rows:
        transformer = transformer_of.get(int(row.area[1:])) if row.area[1:].isdigit() else None
        row.within = f"t{transformer}" if transformer else ""
    OutageArea.objects.bulk_update(rows, ["within"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("grid", "0007_outage_areas"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="outagearea",
            name="outage_area_sums",
        ),
        migrations.AddField(
            model_name="outagearea",
            name="within",
            field=models.CharField(blank=True, default="", max_length=16),
        ),
        migrations.AddIndex(
            model_name="outagearea",
            index=models.Index(
                fields=["start_day", "area", "within", "customers", "feeder"], name="outage_area_sums_within"
            ),
        ),
        migrations.RunPython(backfill_within, migrations.RunPython.noop),
    ]
