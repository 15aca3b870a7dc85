"""issue 14 C1: each licensing cell of the profile lists the documents an application
needs (with their sources); the application asks for them as files, checks each as case
attachments are checked, and states the upload limits before the upload."""

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from cases.models import Attachment, Case
from core.errors import DomainError
from institutions.tests.helpers import application_documents, login, register, staff_of
from licensing import services as licensing
from licensing.models import ApplicationAction, LicensingApplication
from policy.loader import available_profiles, effective_data
from policy.schema import validate_profile
from policy.sources import cite
from tests import samplefiles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", available_profiles())
def test_every_licensing_cell_lists_its_documents_with_sources(code):
    data = effective_data(code)
    for cell in data["matrix"]:
        documents = cell.get("documents", [])
        if cell["phase"] != "licensing":
            assert documents == []
            continue
        assert documents, (code, cell["category"])
        for document in documents:
            assert document["source"]
            # A document no seed names is marked as a documented default.
            assert (document["source"] == "default") == (document.get("from_seed") is False)


def test_the_kunming_cells_cite_000_for_credentials_and_staff_checks():
    cells = {c["category"]: c for c in effective_data("kunming")["matrix"]
             if c["phase"] == "licensing"}
    sources = {d["code"]: d["source"] for d in cells["arts"]["documents"]}
    assert sources["teacher_credentials"] == "000 §3(1)1"
    assert sources["staff_list"] == "000 §3(1)1"
    assert sources["premises"] == "default"
    assert "training_materials" in {d["code"] for d in cells["sports"]["documents"]}


def test_documents_are_refused_outside_licensing_and_twice():
    data = effective_data("kunming")
    cells = data["matrix"]
    inspection = next(c for c in cells if c["phase"] == "annual_inspection")
    inspection["documents"] = [{"code": "x", "label": "材料", "source": "default",
                                "from_seed": False}]
    licensing_cell = next(c for c in cells if c["phase"] == "licensing")
    licensing_cell["documents"] = licensing_cell["documents"] + licensing_cell["documents"][:1]
    profile, errors = validate_profile(yaml.safe_load(yaml.safe_dump(data)))
    joined = "\n".join(errors)
    assert profile is None
    assert "only a licensing cell lists documents" in joined or "只有审批登记" in joined
    assert "a document is listed twice" in joined or "同一材料" in joined


def test_an_application_keeps_its_documents_with_the_case(world):
    inst = register(world)
    staff = staff_of(world, inst)
    app = licensing.application_submit(actor=staff, institution=inst,
                                       action=ApplicationAction.ESTABLISH,
                                       documents=application_documents(inst))
    required = [d.code for d in licensing.required_documents(inst, "establish")]
    assert list(app.documents) == required and len(required) >= 4
    kept = Attachment.objects.filter(case=app.case)
    assert sorted(kept.values_list("pk", flat=True)) == sorted(
        d["attachment"] for d in app.documents.values())
    assert app.documents["teacher_credentials"]["source"] == "000 §3(1)1"
    # The applicant's own files are its own: its staff read them on the case.
    assert Attachment.objects.restrict(staff).filter(case=app.case).count() == len(required)


def test_a_missing_or_bad_document_refuses_the_application_and_stores_nothing(world):
    inst = register(world)
    admin = world.a.users["county_admin"]
    documents = application_documents(inst)
    documents.pop("staff_list")
    with pytest.raises(DomainError) as missing:
        licensing.application_submit(actor=admin, institution=inst, action="establish",
                                     documents=documents)
    assert missing.value.field == "doc_staff_list"
    assert "从业人员名单" in str(missing.value.message)
    documents = application_documents(inst)
    documents["premises"] = SimpleUploadedFile("场地.pdf", samplefiles.exe())
    with pytest.raises(DomainError) as bad:
        licensing.application_submit(actor=admin, institution=inst, action="establish",
                                     documents=documents)
    assert bad.value.field == "doc_premises"
    documents = application_documents(inst)
    documents["other"] = SimpleUploadedFile("x.pdf", samplefiles.pdf())
    with pytest.raises(DomainError):
        licensing.application_submit(actor=admin, institution=inst, action="establish",
                                     documents=documents)
    assert not Case.objects.exists() and not Attachment.objects.exists()
    assert not LicensingApplication.objects.exists()


def test_a_change_needs_no_establishment_documents(world):
    from institutions.tests.helpers import licensed_with_gate

    inst = licensed_with_gate(world)
    assert licensing.required_documents(inst, ApplicationAction.CHANGE) == ()
    app = licensing.application_submit(actor=world.a.users["county_admin"], institution=inst,
                                       action="change", change_details={"address": "新华路8号"})
    assert app.documents == {}


def test_the_form_asks_for_each_document_and_states_the_limits_first(world):
    inst = register(world)
    client = login(staff_of(world, inst))
    url = f"/office/institutions/{inst.uscc}/apply/"
    page = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'id="upload-limits"' in page
    for document in licensing.required_documents(inst, "establish"):
        assert f'name="doc_{document.code}"' in page and document.label in page
    # Each document's source as users read it (the walk of 2 December: the form showed
    # the profile's internal code, 依据：000 §3(1)1), and "Needed for" joined as the
    # page's language joins a list.
    with translation.override("zh-hans"):
        assert f"依据：{cite('000 §3(1)1')} · " in page and "MB" in page
    assert "000 §3(1)1" not in page
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "A documented default, not from a policy document." in english
    assert "seed" not in english
    documents = application_documents(inst)
    documents.pop("teacher_credentials")
    response = client.post(url, {"action": "establish", **{
        f"doc_{code}": upload for code, upload in documents.items()}})
    assert response.status_code == 400
    assert not Case.objects.exists()
    body = response.content.decode()
    assert "请上传此材料" in body or "Upload this document" in body
    documents = application_documents(inst)
    documents["staff_list"] = SimpleUploadedFile("名单.pdf", samplefiles.exe())
    response = client.post(url, {"action": "establish", **{
        f"doc_{code}": upload for code, upload in documents.items()}})
    assert response.status_code == 400 and not Attachment.objects.exists()
    response = client.post(url, {"action": "establish", **{
        f"doc_{code}": upload for code, upload in application_documents(inst).items()}})
    assert response.status_code == 302
    case_page = client.get(response["Location"]).content.decode()
    assert 'id="licensing-documents"' in case_page
    # ... each with its source as users read it, not the profile's code "000 §3(1)1"
    documents = case_page.split('id="licensing-documents"', 1)[1].split("</div>", 1)[0]
    with translation.override("zh-hans"):
        assert f"({cite('000 §3(1)1')})" in documents and "000 §" not in documents
    app = LicensingApplication.objects.get()
    first = app.documents["application_form"]["attachment"]
    assert f"/attachments/{first}/" in case_page


def test_another_institutions_staff_cannot_apply_or_read_the_documents(world):
    inst = register(world)
    other = register(world, n=2)
    app = licensing.application_submit(actor=staff_of(world, inst), institution=inst,
                                       action="establish", documents=application_documents(inst))
    outsider = staff_of(world, other)
    client = login(outsider)
    assert client.get(f"/office/institutions/{inst.uscc}/apply/").status_code == 404
    assert client.get(app.case.get_absolute_url()).status_code == 404
    first = app.documents["application_form"]["attachment"]
    assert client.get(f"{app.case.get_absolute_url()}attachments/{first}/").status_code == 404
    officer_b = login(world.b.users["county_admin"])
    assert officer_b.get(f"{app.case.get_absolute_url()}attachments/{first}/").status_code == 404
