"""The PDF of a convention version: its text, the parties, the scope summary and a verification block (document
hash, signers, key fingerprints, times), in the reader's language.

Its fonts are common.pdf's embedded Unicode fonts (nothing fetched), so names and terms print as written.
"""

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer

from common.pdf import FONT, para, plain, safe, styles, two_column_table, utc_text

__all__ = ["render_version"]

MAX_CAMERA_NAMES = 200


def _list_or_dash(items):
    return ", ".join(str(item) for item in items) if items else "—"


def render_version(*, version, state, terms, scope, signatures):
    """The PDF bytes. `terms` is the plain-words text of the version (conventions.terms.version_terms), `scope`
    its summary (conventions.terms.scope_summary), `signatures` its signatures with their keys."""
    convention = version.convention
    style = styles()

    heading = _("Sharing convention %(reference)s, version %(number)d") % {
        "reference": convention.reference,
        "number": version.number,
    }
    status = _("Status of this version: %(status)s. Convention: %(state)s.") % {
        "status": version.get_status_display(),
        "state": state.label,
    }
    story = [para(convention.title, "title"), para(heading, "subtitle"), para(status, "subtitle"), Spacer(1, 4 * mm)]
    if not version.document_hash:
        story.append(para(_("Draft: not proposed and not signed; this text may still change."), "warning"))

    story.append(para(_("The parties"), "h2"))
    party_rows = [
        (_("Provider (camera owner)"), para(f"{convention.provider.code} · {convention.provider.name}")),
        (_("Consumer"), para(f"{convention.consumer.code} · {convention.consumer.name}")),
    ]
    story.append(two_column_table(party_rows))

    story.append(para(_("The terms"), "h2"))
    for title, sentences in terms:
        block = [para(title, "h3")]
        block += [Paragraph(safe(sentence), style["bullet"], bulletText="•") for sentence in sentences]
        story.append(KeepTogether(block))

    story.append(para(_("Scope"), "h2"))
    covered = ngettext(
        "%(count)d camera of the provider is covered on %(date)s.",
        "%(count)d cameras of the provider are covered on %(date)s.",
        scope.count,
    ) % {"count": scope.count, "date": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    story.append(para(covered))
    if not (scope.groups or scope.municipalities or scope.cameras):
        story.append(para(_("No group, municipality or camera is named: all the provider's cameras.")))
    else:
        story.append(para(_("Cameras added later to a named group or municipality are covered too.")))
    names = scope.cameras[:MAX_CAMERA_NAMES]
    more = len(scope.cameras) - len(names)
    camera_text = _list_or_dash(names)
    if more > 0:
        camera_text += " " + ngettext("and %(count)d more", "and %(count)d more", more) % {"count": more}
    scope_rows = [
        (_("Camera groups"), para(_list_or_dash(scope.groups))),
        (_("Municipalities"), para(_list_or_dash(scope.municipalities))),
        (_("Camera kinds"), para(_list_or_dash(scope.kinds) if scope.kinds else _("all kinds"))),
        (_("Individual cameras"), para(camera_text)),
    ]
    story.append(two_column_table(scope_rows))

    story.append(para(_("Verification"), "h2"))
    verification = [
        (
            _("Document hash (SHA-256)"),
            para(version.document_hash or _("not fixed yet: the version is a draft"), "mono"),
        ),
        (_("Proposed"), para(utc_text(version.proposed_at))),
        (_("Fully signed"), para(utc_text(version.activated_at))),
    ]
    story.append(two_column_table(verification))
    if signatures:
        for signature in signatures:
            organisation = signature.organisation
            rows = [
                (_("Party"), para(f"{signature.get_party_display()} · {organisation.code} · {organisation.name}")),
                (_("Signer"), para(signature.signer_name)),
                (_("Signed"), para(utc_text(signature.signed_at))),
                (_("Key fingerprint (SHA-256)"), para(signature.key.fingerprint, "mono")),
                (_("Public key (Ed25519, base64)"), para(signature.key.public_key, "mono")),
                (_("Signature (base64)"), para(signature.signature, "mono")),
            ]
            story.append(Spacer(1, 3 * mm))
            story.append(KeepTogether(two_column_table(rows)))
    else:
        story.append(para(_("No signature yet.")))
    story.append(Spacer(1, 3 * mm))
    how = _(
        "How to verify: the signed document is the canonical JSON of this version (UTF-8, sorted keys, no "
        "insignificant whitespace), which the portal offers for download. Its SHA-256 must equal the document hash "
        "above, and each signature is Ed25519 over those bytes, checked with the public key whose SHA-256 is the "
        "fingerprint shown. The portal publishes every signer's public keys."
    )
    story.append(para(how))

    footer = _("%(reference)s version %(number)d · page %(page)d · generated %(at)s")
    generated = utc_text(timezone.now())

    def on_page(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#4a5561"))
        text = footer % {
            "reference": convention.reference,
            "number": version.number,
            "page": document.page,
            "at": generated,
        }
        canvas.drawString(20 * mm, 10 * mm, plain(text))
        canvas.restoreState()

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{convention.reference} v{version.number} · {convention.title}",
        author=f"{convention.provider.code} / {convention.consumer.code}",
        subject=f"SHA-256 {version.document_hash}" if version.document_hash else "draft",
        keywords=[convention.reference, f"v{version.number}", version.document_hash or "draft"],
        creator="CCTV sharing portal",
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
