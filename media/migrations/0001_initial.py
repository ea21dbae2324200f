"""The video plane's models, moved from the cameras app with their tables (cameras_*): state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED_MODELS = ['legalhold', 'recordingsegment', 'recordingstream', 'relaystream']


def relabel_content_types(apps, schema_editor):
    """The moved models keep their content types (so change-log entries and permissions follow them)."""
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="cameras", model__in=MOVED_MODELS).update(app_label="media")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cameras', '0005_video_plane_moves_to_media'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LegalHold',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('window_start', models.DateTimeField(verbose_name='from')),
                        ('window_end', models.DateTimeField(verbose_name='until')),
                        ('case_reference', models.CharField(max_length=100, verbose_name='case reference')),
                        ('reason', models.CharField(max_length=300, verbose_name='reason')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                        ('released_at', models.DateTimeField(blank=True, null=True, verbose_name='released')),
                        ('camera', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cameras.camera', verbose_name='camera')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'legal hold',
                        'verbose_name_plural': 'legal holds',
                        'db_table': 'cameras_legalhold',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='RecordingSegment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('started_at', models.DateTimeField(verbose_name='from')),
                        ('ended_at', models.DateTimeField(verbose_name='until')),
                        ('is_gap', models.BooleanField(default=False, verbose_name='gap')),
                        ('file_name', models.CharField(blank=True, max_length=300)),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size (bytes)')),
                        ('purged_at', models.DateTimeField(blank=True, null=True, verbose_name='deleted')),
                        ('camera', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cameras.camera', verbose_name='camera')),
                    ],
                    options={
                        'verbose_name': 'recorded segment',
                        'verbose_name_plural': 'recorded segments',
                        'db_table': 'cameras_recordingsegment',
                        'ordering': ['camera', 'started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='RecordingStream',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('state', models.CharField(choices=[('idle', 'Not recorded'), ('starting', 'Starting'), ('recording', 'Recording'), ('retrying', 'Waiting to retry')], default='idle', max_length=16, verbose_name='state')),
                        ('message', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                        ('failures', models.PositiveIntegerField(default=0, verbose_name='failures in a row')),
                        ('restarts', models.PositiveIntegerField(default=0, verbose_name='restarts')),
                        ('pid', models.PositiveIntegerField(blank=True, null=True, verbose_name='process id')),
                        ('retry_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('collecting_since', models.DateTimeField(blank=True, null=True, verbose_name='collecting since')),
                        ('last_segment_end', models.DateTimeField(blank=True, null=True, verbose_name='recorded until')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('camera', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='recording_stream', to='cameras.camera', verbose_name='camera')),
                        ('open_gap', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='media.recordingsegment')),
                    ],
                    options={
                        'verbose_name': 'central recording',
                        'verbose_name_plural': 'central recordings',
                        'db_table': 'cameras_recordingstream',
                    },
                ),
                migrations.CreateModel(
                    name='RelayStream',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('wanted_until', models.DateTimeField(blank=True, null=True, verbose_name='wanted until')),
                        ('state', models.CharField(choices=[('idle', 'Idle'), ('starting', 'Starting'), ('running', 'Running'), ('retrying', 'Waiting to retry')], default='idle', max_length=16, verbose_name='state')),
                        ('problem', models.CharField(blank=True, choices=[('', 'None'), ('no_answer', 'The camera does not answer'), ('interrupted', 'The stream was interrupted'), ('no_address', 'The camera has no stream address')], max_length=16, verbose_name='problem')),
                        ('message', models.CharField(blank=True, max_length=300, verbose_name='last error')),
                        ('retry_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                        ('failures', models.PositiveIntegerField(default=0, verbose_name='failures in a row')),
                        ('restarts', models.PositiveIntegerField(default=0, verbose_name='restarts')),
                        ('pid', models.PositiveIntegerField(blank=True, null=True, verbose_name='process id')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                        ('camera', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='relay', to='cameras.camera', verbose_name='camera')),
                    ],
                    options={
                        'verbose_name': 'live relay',
                        'verbose_name_plural': 'live relays',
                        'db_table': 'cameras_relaystream',
                    },
                ),
                migrations.AddIndex(
                    model_name='recordingsegment',
                    index=models.Index(fields=['camera', 'started_at'], name='cameras_rec_camera__cc2c14_idx'),
                ),
                migrations.AddIndex(
                    model_name='recordingsegment',
                    index=models.Index(fields=['purged_at', 'ended_at'], name='cameras_rec_purged__80be8b_idx'),
                ),
                migrations.AddConstraint(
                    model_name='recordingsegment',
                    constraint=models.CheckConstraint(condition=models.Q(('ended_at__gt', models.F('started_at'))), name='recording_segment_order'),
                ),
                migrations.AddIndex(
                    model_name='recordingstream',
                    index=models.Index(fields=['state'], name='cameras_rec_state_6e9bd5_idx'),
                ),
                migrations.AddIndex(
                    model_name='relaystream',
                    index=models.Index(fields=['wanted_until'], name='cameras_rel_wanted__78fac4_idx'),
                ),
                migrations.AddIndex(
                    model_name='relaystream',
                    index=models.Index(fields=['state'], name='cameras_rel_state_14e2cf_idx'),
                ),
            ],
            database_operations=[migrations.RunPython(relabel_content_types, migrations.RunPython.noop)],
        ),
    ]
