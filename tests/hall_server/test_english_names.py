"""English from the source: the reference hall's answers carry the optional English names, and the kiosk's
client reads them into its models (issue 16). Run on each database the hall supports."""

from __future__ import annotations

from domain.demo_citizens import demo_citizen
from kiosk.i18n import in_language

RESIDENT = demo_citizen("resident").id_number


def test_queues_matters_materials_and_packages_have_english_names(hall_server):
    """GIVEN the demo hall WHEN a kiosk reads its catalogue and queues THEN every name has its English one."""
    client = hall_server.client()
    queues = client.queues()
    assert {queue.code: queue.name_en for queue in queues}["social"] == "Social security and medical insurance"
    assert all(queue.name_en for queue in queues)
    assert all(category.name_en for category in client.categories())
    matter = client.matter("JJ001")
    assert (matter.name, matter.name_en) == ("换领机动车驾驶证", "Driving licence renewal")
    assert [material.name_en for material in matter.materials][:2] == ["Resident identity card", "Driving licence"]
    package = client.package("PKG-BIRTH")
    assert package.name_en and all(item.name_en for item in package.matters)


def test_references_and_record_kinds_carry_english_too(hall_server):
    """GIVEN the resident's appointments and records THEN the matter of each, the queue of a ticket and each
    record kind and proof kind have an English name; in_language picks it in English only."""
    client = hall_server.client()
    appointment = client.todays_appointments(RESIDENT)[0]
    assert appointment.matter.name_en and in_language(appointment.matter.name, appointment.matter.name_en, "zh") \
        == appointment.matter.name
    ticket = client.issue_ticket("housing_fund")
    assert in_language(ticket.queue.name, ticket.queue.name_en, "en") == "Housing fund"
    records = client.records(RESIDENT)
    assert {record.kind: record.title_en for record in records.records}["housing_fund"] == "Housing fund account"
    assert all(proof.title_en for proof in records.proofs)


def test_a_name_without_english_falls_back_to_chinese():
    assert in_language("社保参保登记", "", "en") == "社保参保登记"
