"""The video plane's models move to the media app: only Django's state changes; the tables keep their names."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('cameras', '0004_recorder'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='recordingsegment',
                    name='camera',
                ),
                migrations.RemoveField(
                    model_name='recordingstream',
                    name='open_gap',
                ),
                migrations.RemoveField(
                    model_name='recordingstream',
                    name='camera',
                ),
                migrations.RemoveField(
                    model_name='relaystream',
                    name='camera',
                ),
                migrations.DeleteModel(
                    name='LegalHold',
                ),
                migrations.DeleteModel(
                    name='RecordingSegment',
                ),
                migrations.DeleteModel(
                    name='RecordingStream',
                ),
                migrations.DeleteModel(
                    name='RelayStream',
                ),
            ],
            database_operations=[],
        ),
    ]
