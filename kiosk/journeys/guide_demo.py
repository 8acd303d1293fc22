"""Fictitious 办事指南 content for `main.py --screenshot`: every step of the guide screen can be drawn without
a hall. Public information only (a guide holds nothing personal), shaped like the hall's answers."""

from __future__ import annotations

from kiosk.hall.models import Category, Material, Matter, MatterSummary, PackageMatter, ServicePackage
from kiosk.journeys.guide import GuideStep, GuideView

__all__ = ["DEMO_CATEGORIES", "DEMO_MATTER", "DEMO_SEARCH", "DEMO_PACKAGES", "demo_views"]

DEMO_CATEGORIES = (
    Category(code="social", name="社会保障", matter_count=12), Category(code="medical", name="医疗保障", matter_count=8),
    Category(code="housing_fund", name="住房公积金", matter_count=6), Category(code="traffic", name="交通出行", matter_count=9),
    Category(code="business", name="企业开办", matter_count=7), Category(code="real_estate", name="不动产登记", matter_count=5),
    Category(code="civil", name="民政服务", matter_count=4), Category(code="tax", name="税务服务", matter_count=6),
)

DEMO_MATTER = Matter(
    code="SB001", name="社保参保登记", category="social", department="示例市社会保险经办中心", one_id=True,
    cross_region=True, appointable=True, queue="social",
    conditions=("在本市就业或居住的劳动者", "未在其他统筹地区参加同险种社会保险"),
    materials=(Material(name="居民身份证", copies=1, original=True, note="一证通办事项可免交复印件"),
               Material(name="劳动合同或就业证明", copies=1, original=False, note="灵活就业人员免交")),
    fees="不收费", legal_days=10, promised_days=0, location="一楼A区 1-4号窗口", packages=("PKG-RETIRE",),
)

DEMO_SEARCH = (DEMO_MATTER, *(
    MatterSummary(code=code, name=name, category="social", department="示例市社会保险经办中心", one_id=one_id,
                  cross_region=cross_region, appointable=False, queue="social")
    for code, name, one_id, cross_region in (("SB002", "社保关系转移接续", True, True),
                                             ("SB003", "社保卡补换", True, False),
                                             ("SB004", "失业保险金申领", False, True),
                                             ("SB005", "社保缴费证明打印", True, True),
                                             ("SB006", "社保费退费", False, False))))

DEMO_PACKAGES = (
    ServicePackage(code="PKG-BIRTH", name="新生儿出生一件事", description="出生医学证明、新生儿参保登记、社保卡申领一次办结",
                   promised_days=5, matters=(PackageMatter(code="YB002", name="新生儿参保登记"),
                                             PackageMatter(code="SB001", name="社保参保登记"))),
    ServicePackage(code="PKG-BUSINESS", name="开办企业一件事", description="营业执照、发票申领一窗受理、一次办结",
                   promised_days=1, matters=(PackageMatter(code="SC001", name="营业执照办理"),)),
)


def demo_views(page_size: int) -> list[tuple[str, GuideView]]:
    """(step name, view) for every step of the guide screen."""
    matters = (DEMO_MATTER,)
    written = tuple(matter for matter in DEMO_SEARCH if "社保" in matter.name)
    return [
        ("loading", GuideView(GuideStep.LOADING, page_size=page_size)),
        ("browse", GuideView(GuideStep.BROWSE, listing=DEMO_CATEGORIES, page_size=page_size)),
        ("matters", GuideView(GuideStep.MATTERS, listing=matters, page_size=page_size, category=DEMO_CATEGORIES[0])),
        ("search", GuideView(GuideStep.SEARCH, listing=DEMO_SEARCH, page_size=page_size, query="社b",
                             candidates=("保", "补", "办", "报", "部", "表", "备", "别"))),
        # 社保 written by hand, or in pinyin with the next syllable being typed (the screen draws the pad in use).
        *((f"search-{method}", GuideView(GuideStep.SEARCH, listing=written, page_size=page_size, query="社保",
                                         input_method=method)) for method in ("handwriting", "pinyin")),
        ("packages", GuideView(GuideStep.PACKAGES, listing=DEMO_PACKAGES, page_size=page_size)),
        ("package", GuideView(GuideStep.PACKAGE, listing=DEMO_PACKAGES[0].matters, page_size=page_size,
                              package=DEMO_PACKAGES[0])),
        ("matter", GuideView(GuideStep.MATTER, page_size=page_size, matter=DEMO_MATTER)),
        ("matter-offline", GuideView(GuideStep.MATTER, page_size=page_size, matter=DEMO_MATTER,
                                     saved_age_s=3 * 3600 + 60)),
        ("printing", GuideView(GuideStep.PRINTING, page_size=page_size, matter=DEMO_MATTER)),
        ("printed", GuideView(GuideStep.MATTER, page_size=page_size, matter=DEMO_MATTER, printed=True)),
        ("paper-out", GuideView(GuideStep.MATTER, page_size=page_size, matter=DEMO_MATTER,
                                problem="printer.paper_out")),
        ("unavailable", GuideView(GuideStep.UNAVAILABLE, problem="guide.not_saved")),
    ]
