"""Footage models, moved from the conventions app with their tables (conventions_*): state only."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED_MODELS = ['approval', 'evidenceexport', 'footagerequest', 'gatewayconnection', 'livesession', 'playbacktoken']


def relabel_content_types(apps, schema_editor):
    """The moved models keep their content types (so change-log entries and permissions follow them)."""
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="conventions", model__in=MOVED_MODELS).update(app_label="footage")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('cameras', '0005_video_plane_moves_to_media'),
        ('conventions', '0008_footage_moves_to_footage_app'),
        ('zones', '0002_notifications'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='FootageRequest',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('reference', models.CharField(max_length=32, unique=True, verbose_name='reference')),
                        ('window_start', models.DateTimeField(verbose_name='footage from')),
                        ('window_end', models.DateTimeField(verbose_name='footage until')),
                        ('mode', models.CharField(choices=[('playback', 'Playback'), ('export', 'Export'), ('live', 'Live')], max_length=16, verbose_name='access asked')),
                        ('purpose', models.CharField(choices=[('public_order', 'Public order and events'), ('incident_intervention', 'Incident intervention'), ('criminal_investigation', 'Criminal investigation'), ('traffic_management', 'Traffic management'), ('crisis', 'Crisis and disaster'), ('missing_person', 'Missing person')], max_length=40, verbose_name='purpose')),
                        ('justification', models.TextField(verbose_name='justification')),
                        ('case_reference', models.CharField(max_length=100, verbose_name='case reference')),
                        ('prosecutor_reference', models.CharField(blank=True, max_length=100, verbose_name='prosecutor decision')),
                        ('prosecutor_document', models.FileField(blank=True, upload_to='prosecutor/', verbose_name='prosecutor decision (document)')),
                        ('status', models.CharField(choices=[('submitted', 'Waiting for approval'), ('approved', 'Approved'), ('rejected', 'Rejected'), ('withdrawn', 'Withdrawn'), ('break_glass', 'Taken under break-glass')], default='submitted', max_length=16, verbose_name='status')),
                        ('approvals_required', models.PositiveSmallIntegerField(default=1, verbose_name='approvals required')),
                        ('submitted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='submitted')),
                        ('due_at', models.DateTimeField(verbose_name='decision due')),
                        ('reminded_at', models.DateTimeField(blank=True, null=True)),
                        ('escalated_at', models.DateTimeField(blank=True, null=True)),
                        ('decided_at', models.DateTimeField(blank=True, null=True, verbose_name='decided')),
                        ('access_until', models.DateTimeField(blank=True, null=True, verbose_name='access until')),
                        ('review_due_at', models.DateTimeField(blank=True, null=True, verbose_name='review due')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed')),
                        ('review_note', models.TextField(blank=True, verbose_name='review')),
                        ('review_escalated_at', models.DateTimeField(blank=True, null=True)),
                        ('cameras', models.ManyToManyField(related_name='+', to='cameras.camera', verbose_name='cameras')),
                        ('convention_version', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='conventions.conventionversion', verbose_name='convention')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='zones.organisation', verbose_name='requesting organisation')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='footage_requests', to='zones.organisation', verbose_name='camera owner')),
                        ('requester', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'footage request',
                        'verbose_name_plural': 'footage requests',
                        'db_table': 'conventions_footagerequest',
                        'ordering': ['-submitted_at'],
                    },
                ),
                migrations.CreateModel(
                    name='EvidenceExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('package_id', models.UUIDField(editable=False, unique=True)),
                        ('exact', models.BooleanField(default=False, verbose_name='frame-exact cut (re-encoded)')),
                        ('watermark', models.BooleanField(default=True, verbose_name='burn in a watermark naming the recipient')),
                        ('status', models.CharField(choices=[('queued', 'Waiting for a worker'), ('running', 'Being prepared'), ('ready', 'Ready to download'), ('failed', 'Failed'), ('purged', 'Deleted at the end of its retention')], default='queued', max_length=10, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                        ('step', models.CharField(blank=True, max_length=200, verbose_name='step')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('lease_until', models.DateTimeField(blank=True, editable=False, null=True)),
                        ('error', models.CharField(blank=True, max_length=500, verbose_name='error')),
                        ('file_name', models.CharField(blank=True, editable=False, max_length=200)),
                        ('size', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='size (bytes)')),
                        ('sha256', models.CharField(blank=True, max_length=64, verbose_name='SHA-256 of the signed manifest')),
                        ('manifest', models.JSONField(blank=True, default=dict, verbose_name='manifest')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                        ('link_expires_at', models.DateTimeField(blank=True, null=True, verbose_name='download link expires')),
                        ('downloads_allowed', models.PositiveSmallIntegerField(default=3, verbose_name='downloads allowed')),
                        ('downloads', models.PositiveSmallIntegerField(default=0, verbose_name='downloads')),
                        ('retention_until', models.DateTimeField(blank=True, null=True, verbose_name='kept until')),
                        ('purged_at', models.DateTimeField(blank=True, null=True, verbose_name='deleted')),
                        ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='exports', to='footage.footagerequest')),
                    ],
                    options={
                        'verbose_name': 'evidence export',
                        'verbose_name_plural': 'evidence exports',
                        'db_table': 'conventions_evidenceexport',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Approval',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('approver_name', models.CharField(max_length=200, verbose_name='approver')),
                        ('decision', models.CharField(choices=[('approve', 'Approved'), ('reject', 'Rejected')], max_length=8, verbose_name='decision')),
                        ('reason', models.TextField(verbose_name='reason')),
                        ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='when')),
                        ('approver', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='approvals', to='footage.footagerequest')),
                    ],
                    options={
                        'verbose_name': 'approval',
                        'verbose_name_plural': 'approvals',
                        'db_table': 'conventions_approval',
                        'ordering': ['at'],
                    },
                ),
                migrations.CreateModel(
                    name='LiveSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_digest', models.CharField(editable=False, max_length=64, unique=True)),
                        ('purpose', models.CharField(choices=[('public_order', 'Public order and events'), ('incident_intervention', 'Incident intervention'), ('criminal_investigation', 'Criminal investigation'), ('traffic_management', 'Traffic management'), ('crisis', 'Crisis and disaster'), ('missing_person', 'Missing person')], max_length=40, verbose_name='purpose')),
                        ('justification', models.TextField(verbose_name='justification')),
                        ('case_reference', models.CharField(blank=True, max_length=100, verbose_name='incident or case reference')),
                        ('wall', models.UUIDField(blank=True, db_index=True, null=True, verbose_name='wall')),
                        ('break_glass', models.BooleanField(default=False, verbose_name='under break-glass')),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                        ('expires_at', models.DateTimeField(verbose_name='expires')),
                        ('max_until', models.DateTimeField(verbose_name='ends at the latest')),
                        ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended')),
                        ('end_reason', models.CharField(blank=True, choices=[('stopped', 'Stopped by the viewer'), ('expired', 'Not renewed in time'), ('limit', 'Maximum session length reached'), ('revoked', 'Access withdrawn'), ('ended_by_owner', 'Ended by the camera owner')], max_length=20, verbose_name='why it ended')),
                        ('log_entry_id', models.BigIntegerField(editable=False, null=True)),
                        ('camera', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='cameras.camera', verbose_name='camera')),
                        ('convention_version', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='conventions.conventionversion', verbose_name='convention')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='zones.organisation', verbose_name="viewer's organisation")),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='live_sessions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'live session',
                        'verbose_name_plural': 'live sessions',
                        'db_table': 'conventions_livesession',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='GatewayConnection',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('gateway_id', models.CharField(max_length=64, verbose_name='gateway connection id')),
                        ('protocol', models.CharField(blank=True, max_length=10, verbose_name='protocol')),
                        ('seen_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='first seen')),
                        ('session', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='gateway_connections', to='footage.livesession')),
                    ],
                    options={
                        'verbose_name': 'gateway connection',
                        'verbose_name_plural': 'gateway connections',
                        'db_table': 'conventions_gatewayconnection',
                    },
                ),
                migrations.CreateModel(
                    name='PlaybackToken',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_digest', models.CharField(editable=False, max_length=64, unique=True)),
                        ('started_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='started')),
                        ('expires_at', models.DateTimeField(verbose_name='expires')),
                        ('ended_at', models.DateTimeField(blank=True, null=True, verbose_name='ended')),
                        ('end_reason', models.CharField(blank=True, max_length=40, verbose_name='why it ended')),
                        ('log_entry_id', models.BigIntegerField(editable=False, null=True)),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='zones.organisation', verbose_name="viewer's organisation")),
                        ('request', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='playback_tokens', to='footage.footagerequest', verbose_name='footage request')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'playback key',
                        'verbose_name_plural': 'playback keys',
                        'db_table': 'conventions_playbacktoken',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='footagerequest',
                    index=models.Index(fields=['owner', 'status'], name='conventions_owner_i_2008eb_idx'),
                ),
                migrations.AddIndex(
                    model_name='footagerequest',
                    index=models.Index(fields=['organisation', 'status'], name='conventions_organis_5f154d_idx'),
                ),
                migrations.AddConstraint(
                    model_name='footagerequest',
                    constraint=models.CheckConstraint(condition=models.Q(('window_end__gt', models.F('window_start'))), name='footage_request_window_order'),
                ),
                migrations.AddIndex(
                    model_name='evidenceexport',
                    index=models.Index(fields=['status', 'lease_until'], name='conventions_status_39459f_idx'),
                ),
                migrations.AddIndex(
                    model_name='evidenceexport',
                    index=models.Index(fields=['retention_until'], name='conventions_retenti_57e47c_idx'),
                ),
                migrations.AddConstraint(
                    model_name='approval',
                    constraint=models.UniqueConstraint(fields=('request', 'approver'), name='one_decision_per_approver'),
                ),
                migrations.AddIndex(
                    model_name='livesession',
                    index=models.Index(fields=['camera', 'ended_at'], name='conventions_camera__321e8b_idx'),
                ),
                migrations.AddIndex(
                    model_name='livesession',
                    index=models.Index(fields=['ended_at', 'expires_at'], name='conventions_ended_a_2b6686_idx'),
                ),
                migrations.AddConstraint(
                    model_name='gatewayconnection',
                    constraint=models.UniqueConstraint(fields=('session', 'gateway_id'), name='gateway_connection_once_per_session'),
                ),
                migrations.AddIndex(
                    model_name='playbacktoken',
                    index=models.Index(fields=['request', 'ended_at'], name='conventions_request_60a413_idx'),
                ),
            ],
            database_operations=[migrations.RunPython(relabel_content_types, migrations.RunPython.noop)],
        ),
    ]
