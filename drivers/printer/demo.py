"""Sample documents with clearly fake data, for the CLI, the demo profile, benchmarks and tests."""

from __future__ import annotations

from datetime import datetime

from domain.citizen_id import check_digit
from domain.printouts import (
    Material,
    MaterialList,
    PaymentReceipt,
    ProofDocument,
    ProofField,
    QueueTicket,
    ReceiptLine,
    SiteLines,
)

__all__ = ["DEMO_REVIEW_URL", "DEMO_SITE", "demo_ticket", "demo_receipt", "demo_proof", "demo_materials"]

# Shaped like the hall API's review link: a 32-character URL-safe token.
DEMO_REVIEW_URL = "http://127.0.0.1:8700/r/Xk3_q9LmZp0aB7cD-fGhJ2sT5vWy8nRe"
DEMO_SITE = SiteLines(header=("便民 · 高效 · 规范",), footer=("咨询电话：12345（演示）", "请妥善保管本票据"))
_MOMENT = datetime(2026, 11, 23, 9, 30)
_FAKE_ID = "11010519491231002" + check_digit("11010519491231002")


def demo_ticket(holder_name: str | None = None, review_url: str | None = DEMO_REVIEW_URL) -> QueueTicket:
    return QueueTicket(
        hall_name="演示市政务服务中心",
        queue_name="社保医保综合窗口",
        number="A023",
        people_ahead=5,
        estimated_wait_minutes=15,
        issued_at=_MOMENT,
        matter="城乡居民养老保险参保登记",
        holder_name=holder_name,
        review_url=review_url,
        site=DEMO_SITE,
    )


def demo_receipt() -> PaymentReceipt:
    return PaymentReceipt(
        title="燃气缴费凭条",
        merchant="演示燃气有限公司",
        terminal_id="KIOSK-DEMO-01",
        account_label="燃气户号",
        account_number="8800123456789",
        lines=(ReceiptLine("燃气费（预存）", 10000), ReceiptLine("IC卡写卡服务费", 0)),
        total_fen=10000,
        payment_method="聚合支付（演示）",
        transaction_id="T20261123093000000123",
        paid_at=_MOMENT,
        site=DEMO_SITE,
    )


def demo_proof() -> ProofDocument:
    return ProofDocument(
        title="参保证明",
        holder_name="测试用户",
        id_number=_FAKE_ID,
        fields=(
            ProofField("参保险种", "城镇职工基本养老保险"),
            ProofField("参保状态", "正常参保"),
            ProofField("累计缴费", "120 个月"),
        ),
        verification_code="8F3K-2Q7M-X9TB",
        issuer="演示市社会保险事业管理中心",
        issued_at=_MOMENT,
        verify_url="http://127.0.0.1:8700/v/8F3K2Q7MX9TB",
        site=DEMO_SITE,
    )


def demo_materials() -> MaterialList:
    return MaterialList(
        matter="城乡居民养老保险参保登记",
        materials=(
            Material("居民身份证", "原件"),
            Material("户口簿", "原件及复印件 1 份"),
            Material("委托书", "原件", required=False, note="代办时提供"),
        ),
        notes=("材料不全可先预审，补齐后再来办理。",),
        printed_at=_MOMENT,
        site=DEMO_SITE,
    )
