"""Live sessions, footage requests, approvals, exports and playback keys move to the footage app: only Django's
state changes; the tables keep their names."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('conventions', '0007_live_break_glass'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='evidenceexport',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='evidenceexport',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='footagerequest',
                    name='cameras',
                ),
                migrations.RemoveField(
                    model_name='footagerequest',
                    name='convention_version',
                ),
                migrations.RemoveField(
                    model_name='footagerequest',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='footagerequest',
                    name='owner',
                ),
                migrations.RemoveField(
                    model_name='footagerequest',
                    name='requester',
                ),
                migrations.RemoveField(
                    model_name='footagerequest',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='playbacktoken',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='gatewayconnection',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='livesession',
                    name='camera',
                ),
                migrations.RemoveField(
                    model_name='livesession',
                    name='convention_version',
                ),
                migrations.RemoveField(
                    model_name='livesession',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='livesession',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='playbacktoken',
                    name='organisation',
                ),
                migrations.RemoveField(
                    model_name='playbacktoken',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Approval',
                ),
                migrations.DeleteModel(
                    name='EvidenceExport',
                ),
                migrations.DeleteModel(
                    name='FootageRequest',
                ),
                migrations.DeleteModel(
                    name='GatewayConnection',
                ),
                migrations.DeleteModel(
                    name='LiveSession',
                ),
                migrations.DeleteModel(
                    name='PlaybackToken',
                ),
            ],
            database_operations=[],
        ),
    ]
