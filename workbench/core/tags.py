"""The customer-tag vocabulary of the data platform (用户标签), defined once.

Customers carry tags as short ASCII codes (``"price_sensitive"``) in their ``tags`` list;
eligibility rules test them (``"price_sensitive" in tags``). This module lists the codes the
demo data and the policies use, each with its Chinese and English label and a group, so that
the UI can translate a code into words and the policy studio can offer a pick list. A tag not
listed here (imported from a real data platform, which may have ~200 kinds) is still valid:
:func:`label` then falls back to the code itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TagInfo:
    """One tag: stable code, labels and the group it belongs to (for display)."""

    code: str
    zh: str
    en: str
    group: str


#: Groups, in display order: code -> (zh, en).
TAG_GROUPS: dict[str, tuple[str, str]] = {
    "tariff": ("资费", "Tariff"),
    "usage": ("上网偏好", "Usage"),
    "device": ("终端偏好", "Device"),
    "household": ("人群", "Household"),
    "risk": ("风险", "Risk"),
    "opportunity": ("商机", "Opportunity"),
    "channel": ("渠道偏好", "Channel"),
}

_TAGS: tuple[TagInfo, ...] = (
    TagInfo("price_sensitive", "资费敏感", "Price-sensitive", "tariff"),
    TagInfo("data_overage", "流量超套", "Data over allowance", "tariff"),
    TagInfo("contract_expiring", "合约到期", "Contract expiring", "tariff"),
    TagInfo("high_spender", "高消费", "High spender", "tariff"),
    TagInfo("heavy_data", "高流量", "Heavy data user", "usage"),
    TagInfo("video_user", "视频用户", "Video streamer", "usage"),
    TagInfo("gamer", "游戏用户", "Mobile gamer", "usage"),
    TagInfo("music_user", "音乐用户", "Music streamer", "usage"),
    TagInfo("social_heavy", "社交重度", "Heavy social media", "usage"),
    TagInfo("online_shopper", "网购达人", "Online shopper", "usage"),
    TagInfo("night_active", "夜间活跃", "Active at night", "usage"),
    TagInfo("low_activity", "低活跃", "Low activity", "usage"),
    TagInfo("cloud_storage", "云盘用户", "Cloud storage user", "usage"),
    TagInfo("device_pref_apple", "终端偏好·苹果", "Prefers Apple", "device"),
    TagInfo("device_pref_huawei", "终端偏好·华为", "Prefers Huawei", "device"),
    TagInfo("upgrade_intent", "换机意向", "Wants a new handset", "device"),
    TagInfo("dual_sim", "双卡用户", "Dual-SIM user", "device"),
    TagInfo("iot_user", "智能家居", "Smart-home / IoT user", "device"),
    TagInfo("family", "家庭用户", "Family household", "household"),
    TagInfo("senior", "老年用户", "Senior", "household"),
    TagInfo("student", "学生", "Student", "household"),
    TagInfo("business_traveller", "商旅", "Business traveller", "household"),
    TagInfo("car_owner", "车主", "Car owner", "household"),
    TagInfo("intl_roaming", "国际漫游", "International roaming", "household"),
    TagInfo("complaint_prone", "投诉倾向", "Complaint-prone", "risk"),
    TagInfo("port_out_risk", "携号转网风险", "Port-out risk", "risk"),
    TagInfo("broadband_prospect", "宽带潜客", "Broadband prospect", "opportunity"),
    TagInfo("secondary_card_prospect", "副卡潜客", "Secondary-card prospect", "opportunity"),
    TagInfo("5g_prospect", "5G潜客", "5G prospect", "opportunity"),
    TagInfo("sms_responsive", "短信响应", "Responds to SMS", "channel"),
    TagInfo("prefers_online", "偏好线上渠道", "Prefers online channels", "channel"),
)

#: code -> TagInfo, in display order.
TAGS: dict[str, TagInfo] = {t.code: t for t in _TAGS}


def label(code: str, lang: str = "zh") -> str:
    """The display label of a tag code in ``lang`` ("zh" or "en"); unknown codes as-is."""
    info = TAGS.get(code)
    if info is None:
        return code
    return info.en if lang == "en" else info.zh


def labels(codes: list[str], lang: str = "zh") -> list[str]:
    """Display labels of several tag codes, in the given order."""
    return [label(c, lang) for c in codes]
