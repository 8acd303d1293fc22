"""Demo data: a fictitious hall in Xi'an, its matters, queues and the demo citizens' affairs.

Appointments, cases, 一证通办 records are seeded for the numbers in domain.demo_citizens, so that
the simulated ID cards of the demo profile find something at every step of the demo journeys.
Dates are relative to the day the database is seeded (`today`), so "today's appointments" exist, and so
does an upcoming one (a weekday a few days ahead) that the resident can see and cancel at the kiosk.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from datetime import date, datetime, time, timedelta

from domain.demo_citizens import demo_citizen
from hall_server import db, tickets
from hall_server.clock import CHINA_STANDARD_TIME

__all__ = ["seed_demo", "seed_waiting_walk_ins", "HALL_INFO", "DEMO_WAITING", "RECORD_TITLES_EN",
           "PROOF_TITLES_EN"]

HALL_INFO = {
    "name": "西安市雁塔区政务服务中心（演示）",
    "address": "陕西省西安市雁塔区示例路1号（演示数据）",
    "phone": "029-00000000",
    "business_hours": "周一至周五 09:00-17:00；车驾管业务周六 09:00-17:00；法定节假日除外",
}

CATEGORIES = [
    ("social", "社会保障"), ("medical", "医疗保障"), ("housing_fund", "住房公积金"), ("traffic", "交通出行"),
    ("business", "企业开办"), ("real_estate", "不动产登记"), ("civil", "民政服务"), ("tax", "税务服务"),
]

# code, name, prefix, windows, weekdays, opens, closes, average minutes, appointments ahead of walk-ins
QUEUES = [
    ("social", "社保医保综合窗口", "A", [1, 2, 3, 4], "12345", "09:00", "17:00", 8, 1),
    ("housing_fund", "住房公积金窗口", "B", [5, 6], "12345", "09:00", "17:00", 10, 1),
    ("traffic", "车驾管业务窗口", "C", [7, 8], "123456", "09:00", "17:00", 12, 1),
    ("business", "企业开办专区", "D", [9, 10, 11], "12345", "09:00", "17:00", 15, 1),
    ("real_estate", "不动产登记窗口", "E", [12, 13, 14], "12345", "09:00", "17:00", 20, 0),
    ("tax", "税务综合窗口", "F", [15, 16], "12345", "09:00", "17:00", 6, 1),
    ("civil", "民政综合受理窗口", "G", [17, 18], "12345", "09:00", "17:00", 7, 1),
]

# English names (the API's optional name_en), as the hall's English signage says them.
CATEGORIES_EN = {
    "social": "Social security", "medical": "Medical insurance", "housing_fund": "Housing fund",
    "traffic": "Vehicles and driving", "business": "Starting a business", "real_estate": "Real estate registration",
    "civil": "Civil affairs", "tax": "Taxes",
}
QUEUES_EN = {
    "social": "Social security and medical insurance", "housing_fund": "Housing fund",
    "traffic": "Vehicles and driving licences", "business": "Business start-up",
    "real_estate": "Real estate registration",
    "tax": "Taxes", "civil": "Civil affairs",
}
MATTERS_EN = {
    "SB001": "Social security enrolment", "YB001": "Medical expense reimbursement",
    "YB002": "Newborn medical insurance enrolment", "JJ001": "Driving licence renewal",
    "GJJ001": "Housing fund withdrawal", "SC001": "Business licence", "BDC001": "Real estate registration",
    "MZ001": "Annual review of the old-age allowance", "SW001": "Invoices issued on your behalf",
}
PACKAGES_EN = {
    "PKG-BIRTH": "A new baby, in one visit", "PKG-BUSINESS": "Opening a business, in one visit",
    "PKG-RETIRE": "Retiring, in one visit", "PKG-HOME": "Selling or buying a home, in one visit",
}
MATERIALS_EN = {
    "居民身份证": "Resident identity card", "劳动合同或就业证明": "Employment contract or proof of employment",
    "医疗费用发票原件": "Original medical invoices", "费用明细清单": "Itemised bill",
    "出院小结或门诊病历": "Discharge summary or outpatient record", "出生医学证明": "Medical birth certificate",
    "户口簿（新生儿已落户的）": "Household register (once the baby is registered)",
    "监护人居民身份证": "Guardian's identity card", "机动车驾驶证": "Driving licence",
    "县级或部队团级以上医疗机构出具的身体条件证明": "Certificate of physical fitness from a county-level or higher hospital",
    "提取情形证明材料": "Proof of the reason for withdrawal", "本人银行卡": "Your own bank card",
    "设立登记申请书": "Registration application", "公司章程": "Articles of association",
    "股东主体资格证明": "Proof of the shareholders' identity", "住所使用证明": "Proof of the business address",
    "不动产权属证书": "Real estate title certificate", "买卖合同或其他登记原因证明": "Sale contract or other grounds",
    "完税凭证": "Tax payment certificate", "户口簿": "Household register", "合同或协议": "Contract or agreement",
    "付款方信息": "Details of the payer",
}
RECORD_TITLES_EN = {
    "social_security": "Social security", "medical_insurance": "Medical insurance account",
    "housing_fund": "Housing fund account", "driving_licence": "Driving licence",
}
PROOF_TITLES_EN = {
    "social_security_enrolment": "Proof of social security enrolment",
    "medical_insurance_enrolment": "Proof of medical insurance enrolment",
    "housing_fund_deposit": "Proof of housing fund deposits",
}

_ID_COPY = {"name": "居民身份证", "name_en": MATERIALS_EN["居民身份证"], "copies": 1, "original": True,
            "note": "一证通办事项可免交复印件"}


def _material(name: str, copies: int = 1, original: bool = True, note: str = "") -> dict:
    return {"name": name, "name_en": MATERIALS_EN[name], "copies": copies, "original": original, "note": note}


# code, category, name, department, conditions, materials, fees, legal days, promised days, location, queue,
# 一证通办, 跨区通办, appointable
MATTERS = [
    ("SB001", "social", "社保参保登记", "西安市社会保险经办中心雁塔分中心",
     ["在本市就业或居住的劳动者", "未在其他统筹地区参加同险种社会保险"],
     [_ID_COPY, _material("劳动合同或就业证明", original=False, note="灵活就业人员免交")],
     "不收费", 10, 0, "一楼A区 1-4号窗口", "social", 1, 1, 1),
    ("YB001", "medical", "医疗费用零星报销", "西安市医疗保障局雁塔分局",
     ["参加本市基本医疗保险", "因急诊、异地就医等原因未能直接结算"],
     [_ID_COPY, _material("医疗费用发票原件"), _material("费用明细清单"), _material("出院小结或门诊病历", original=False)],
     "不收费", 30, 20, "一楼A区 1-4号窗口", "social", 1, 1, 0),
    ("YB002", "medical", "新生儿参保登记", "西安市医疗保障局雁塔分局",
     ["新生儿父母一方在本市参保或户籍在本市"],
     [_material("出生医学证明"), _material("户口簿（新生儿已落户的）", note="未落户可凭出生医学证明办理"),
      _material("监护人居民身份证")],
     "不收费", 5, 0, "一楼A区 1-4号窗口", "social", 1, 0, 0),
    ("JJ001", "traffic", "换领机动车驾驶证", "西安市公安局交通警察支队车辆管理所",
     ["驾驶证有效期满前九十日内", "身体条件符合驾驶许可条件"],
     [_ID_COPY, _material("机动车驾驶证"), _material("县级或部队团级以上医疗机构出具的身体条件证明",
                                                     note="可由医疗机构联网上传")],
     "工本费10元", 1, 0, "二楼C区 7-8号窗口", "traffic", 1, 1, 1),
    ("GJJ001", "housing_fund", "公积金提取", "西安住房公积金管理中心雁塔管理部",
     ["购房、租房、离退休或偿还住房贷款等情形之一"],
     [_ID_COPY, _material("提取情形证明材料", note="如购房合同、租赁备案证明"), _material("本人银行卡")],
     "不收费", 3, 0, "一楼B区 5-6号窗口", "housing_fund", 1, 1, 1),
    ("SC001", "business", "营业执照办理", "西安市雁塔区市场监督管理局",
     ["有符合规定的名称和住所", "有符合章程规定的出资"],
     [_material("设立登记申请书"), _material("公司章程"), _material("股东主体资格证明"), _material("住所使用证明")],
     "不收费", 3, 1, "二楼D区 9-11号窗口", "business", 0, 1, 1),
    ("BDC001", "real_estate", "不动产登记", "西安市不动产登记中心雁塔分中心",
     ["权属清楚、无查封等限制"],
     [_ID_COPY, _material("不动产权属证书"), _material("买卖合同或其他登记原因证明"), _material("完税凭证")],
     "住宅80元/件", 30, 5, "三楼E区 12-14号窗口", "real_estate", 0, 0, 1),
    ("MZ001", "civil", "老龄补贴年审", "西安市雁塔区民政局",
     ["年满80周岁、本市户籍老年人", "每年进行一次资格认证"],
     [_ID_COPY, _material("户口簿")],
     "不收费", 10, 0, "一楼G区 17-18号窗口", "civil", 1, 0, 1),
    ("SW001", "tax", "代开发票", "国家税务总局西安市雁塔区税务局",
     ["自然人或未领用发票的纳税人发生应税行为"],
     [_ID_COPY, _material("合同或协议"), _material("付款方信息")],
     "不收费（依法缴纳税款）", 1, 0, "一楼F区 15-16号窗口", "tax", 1, 1, 0),
]

PACKAGES = [
    ("PKG-BIRTH", "新生儿出生一件事", "出生医学证明、新生儿参保登记、社保卡申领一次办结", ["YB002", "SB001"], 5),
    ("PKG-BUSINESS", "开办企业一件事", "营业执照、发票申领一窗受理、一次办结", ["SC001", "SW001"], 1),
    ("PKG-RETIRE", "退休一件事", "社保待遇核定、公积金提取、医保待遇变更一次办", ["SB001", "GJJ001", "YB001"], 10),
    ("PKG-HOME", "二手房转移登记一件事", "不动产转移登记与税费缴纳联办", ["BDC001", "SW001"], 5),
]

# Walk-ins already waiting when the embedded demo hall opens, so the first ticket has people ahead.
DEMO_WAITING = {"social": 9, "housing_fund": 4, "traffic": 6, "business": 3, "real_estate": 5, "tax": 2, "civil": 1}

PROOF_KINDS = {
    # kind: (title, record kind that backs it)
    "social_security_enrolment": ("社会保险参保证明", "social_security"),
    "medical_insurance_enrolment": ("基本医疗保险参保证明", "medical_insurance"),
    "housing_fund_deposit": ("住房公积金缴存证明", "housing_fund"),
}

RECORD_TITLES = {
    "social_security": "社会保险参保信息",
    "medical_insurance": "医疗保险个人账户",
    "housing_fund": "住房公积金账户",
    "driving_licence": "机动车驾驶证",
}


def _records(today: date) -> dict[str, dict[str, list[tuple[str, str]]]]:
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y年%m月")
    return {
        "resident": {
            "social_security": [("参保状态", "正常参保"), ("累计缴费月数", "146个月"), ("最近缴费", last_month)],
            "medical_insurance": [("账户余额", "3,286.40元"), ("参保类型", "职工基本医疗保险")],
            "housing_fund": [("账户余额", "48,920.15元"), ("月缴存额", "1,260.00元"), ("账户状态", "正常")],
            "driving_licence": [("准驾车型", "C1"), ("累计记分", "2分"), ("有效期至", "2031-03-12")],
        },
        "elder": {
            "social_security": [("参保状态", "退休（领取养老金）"), ("累计缴费月数", "384个月")],
            "medical_insurance": [("账户余额", "12,004.00元"), ("参保类型", "退休职工医疗保险")],
        },
        "rare-name": {
            "social_security": [("参保状态", "正常参保"), ("累计缴费月数", "58个月"), ("最近缴费", last_month)],
            "medical_insurance": [("账户余额", "906.75元"), ("参保类型", "职工基本医疗保险")],
        },
        "foreign-2017": {
            "driving_licence": [("准驾车型", "C1"), ("累计记分", "0分"), ("有效期至", "2027-02-01")],
        },
        "foreign-2023": {
            "housing_fund": [("账户余额", "15,300.00元"), ("月缴存额", "850.00元"), ("账户状态", "正常")],
        },
        "hk-permit": {
            "social_security": [("参保状态", "正常参保"), ("累计缴费月数", "27个月"), ("最近缴费", last_month)],
        },
    }


def _at(day: date, hhmm: str) -> str:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), CHINA_STANDARD_TIME).isoformat(timespec="seconds")


def _case(conn: sqlite3.Connection, number: str, key: str, matter: str, accepted: date, done_steps: int,
          office: str, promised_days: int) -> None:
    citizen = demo_citizen(key)
    status = ("accepted", "approving", "completed", "delivered")[max(0, min(done_steps, 4) - 1)]
    conn.execute("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (number, citizen.id_number, citizen.name or citizen.english_name, matter, status,
                  _at(accepted, "10:12"), (accepted + timedelta(days=promised_days)).isoformat()))
    steps = [("accept", "窗口受理，材料齐全"), ("approve", "审核通过"), ("complete", "已办结，结果已生成"),
             ("deliver", "结果已送达（窗口领取或邮寄）")]
    for seq, (step, note) in enumerate(steps, start=1):
        if seq <= done_steps:
            moment = datetime.fromisoformat(_at(accepted, "10:12")) + timedelta(hours=4 * (seq - 1))
            state, at = "done", moment.isoformat(timespec="seconds")
        elif seq == done_steps + 1:
            state, at = "current", None
        else:
            state, at = "pending", None
        conn.execute("INSERT INTO case_steps VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (number, seq, step, state, at, office, note if state == "done" else ""))


def seed_demo(conn: sqlite3.Connection, today: date) -> None:
    """Fill an empty, migrated database with the demo hall; `today` anchors appointments and cases."""
    with db.write(conn):
        conn.execute("INSERT INTO settings VALUES ('review_key', ?)", (secrets.token_hex(32),))
        conn.execute("INSERT INTO settings VALUES ('hall_info', ?)", (json.dumps(HALL_INFO, ensure_ascii=False),))
        # Each table's last column is name_en (migration 006).
        conn.executemany("INSERT INTO categories VALUES (?, ?, ?, ?)",
                         [(code, name, sort, CATEGORIES_EN[code]) for sort, (code, name) in enumerate(CATEGORIES)])
        conn.executemany("INSERT INTO queues VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [(q[0], q[1], q[2], json.dumps(q[3]), *q[4:], QUEUES_EN[q[0]]) for q in QUEUES])
        conn.executemany("INSERT INTO matters VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [(m[0], m[1], m[2], m[3], json.dumps(m[4], ensure_ascii=False),
                           json.dumps(m[5], ensure_ascii=False), *m[6:], MATTERS_EN[m[0]]) for m in MATTERS])
        conn.executemany("INSERT INTO packages VALUES (?, ?, ?, ?, ?, ?)",
                         [(p[0], p[1], p[2], json.dumps(p[3]), p[4], PACKAGES_EN[p[0]]) for p in PACKAGES])

        upcoming = today + timedelta(days=3)
        while upcoming.isoweekday() > 5:  # the real-estate windows open on weekdays only
            upcoming += timedelta(days=1)
        appointments = [("resident", "SB001", today, "10:00"), ("resident", "GJJ001", today, "14:30"),
                        ("elder", "MZ001", today, "09:30"), ("foreign-2017", "JJ001", today, "11:00"),
                        ("hk-permit", "SB001", today + timedelta(days=1), "09:00"),
                        ("resident", "BDC001", upcoming, "10:00")]
        for key, matter, day, start in appointments:
            end = (datetime.combine(day, time(*map(int, start.split(":")))) + timedelta(minutes=30)).strftime("%H:%M")
            citizen = demo_citizen(key)
            conn.execute("INSERT INTO appointments VALUES (?, ?, ?, ?, ?, ?, ?, 'booked', NULL, ?)",
                         ("ap" + secrets.token_hex(6), citizen.id_number, matter, day.isoformat(), start, end,
                          citizen.phone or None, _at(day - timedelta(days=3), "20:15")))

        _case(conn, "YT2026SC000123", "resident", "SC001", today - timedelta(days=1), 2, "雁塔区市场监督管理局", 3)
        _case(conn, "YT2026JJ000045", "resident", "JJ001", today - timedelta(days=20), 4, "车辆管理所", 1)
        _case(conn, "YT2026MZ000078", "elder", "MZ001", today - timedelta(days=6), 3, "雁塔区民政局", 10)
        _case(conn, "YT2026YB000310", "rare-name", "YB001", today - timedelta(days=2), 1, "雁塔区医疗保障分局", 20)
        _case(conn, "YT2026BDC00902", "foreign-2023", "BDC001", today - timedelta(days=4), 2, "不动产登记中心", 5)

        updated = _at(today - timedelta(days=1), "02:00")
        for key, kinds in _records(today).items():
            number = demo_citizen(key).id_number
            for kind, fields in kinds.items():
                conn.execute("INSERT INTO records VALUES (?, ?, ?, ?, ?)",
                             (number, kind, RECORD_TITLES[kind],
                              json.dumps([{"label": label, "value": value} for label, value in fields],
                                         ensure_ascii=False), updated))


def seed_waiting_walk_ins(conn: sqlite3.Connection, now: datetime, waiting: dict[str, int] = DEMO_WAITING) -> None:
    """Issue today's first walk-in tickets, as if citizens had come before the kiosk started."""
    for code, count in waiting.items():
        queue = tickets.queue_row(conn, code)
        with db.write(conn):
            for _ in range(count):
                tickets.issue(conn, queue, now, rank=tickets.RANK_WALK_IN, priority="none", id_number=None,
                              matter_code=None, appointment_id=None, kiosk_id=None)
