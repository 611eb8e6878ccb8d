"""The online zone's words, Chinese first and English: key -> (中文, English)."""

from __future__ import annotations

from typing import Any

LANGS = ("zh", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("老用户特惠专区", "Offers for our customers"),
    "lang_switch": ("English", "中文"),
    "login_intro": ("输入手机号，我们将发送6位验证码。", "Enter your mobile number and we will text you a 6-digit code."),
    "phone": ("手机号", "Mobile number"),
    "send_code": ("获取验证码", "Send me a code"),
    "code": ("验证码", "Code"),
    "code_intro": ("验证码已发送至 {phone}（如该号码是我们的客户），5分钟内有效。",
                   "If {phone} is one of our customers, a code is on its way; it is valid for 5 minutes."),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "hello": ("{name}，您好", "Hello, {name}"),
    "offers_intro": ("以下是为您专属推荐的优惠：", "These offers are for you:"),
    "no_offers": ("暂时没有适合您的优惠，感谢关注。", "There is no offer for you right now. Thank you for looking."),
    "order": ("立即办理", "Order"),
    "confirm_title": ("确认办理", "Confirm your order"),
    "confirm_intro": ("请确认您要办理：", "Please confirm that you want:"),
    "confirm_button": ("确认办理", "Yes, order it"),
    "back": ("返回", "Back"),
    "terms": ("办理说明", "Terms"),
    "left": ("剩余名额 {n}", "{n} left"),
    "done_title": ("办理成功", "Ordered"),
    "done": ("您已成功办理“{policy}”，办理时间 {at}。我们会发短信确认。",
             "You ordered “{policy}” at {at}. We will confirm by SMS."),
    "already_done": ("您已办理过“{policy}”（{at}），无需重复办理。",
                     "You already ordered “{policy}” ({at}); nothing more to do."),
    "ineligible": ("该优惠目前不能办理（可能已办理、名额已满或已过期）。",
                   "This offer cannot be ordered now (already taken, sold out or expired)."),
    "link_invalid": ("链接无效。请使用短信中的完整链接，或用手机号登录。",
                     "This link is not valid. Use the whole link from the SMS, or log in with your number."),
    "link_expired": ("链接已过期。请用手机号和验证码登录。", "This link has expired. Log in with your number and a code."),
    "code_wrong": ("验证码不正确或已过期，请重试或重新获取。", "The code is wrong or has expired. Try again or ask for a new one."),
    "code_throttled": ("操作太频繁，请 {s} 秒后再试。", "Too many tries. Please wait {s} seconds."),
    "code_unavailable": ("短信验证码暂不可用，请使用短信中的专属链接。",
                         "Codes by SMS are not available right now; use the link in your SMS."),
    "phone_invalid": ("请输入正确的手机号。", "Please enter a valid mobile number."),
    "session_needed": ("请先登录。", "Please log in first."),
    "form_expired": ("页面已过期，请返回重试。", "This page has expired. Go back and try again."),
    "not_set_up": ("在线专区暂未开放。", "The online zone is not open yet."),
    "not_found": ("页面不存在。", "This page does not exist."),
    "to_login": ("用手机号登录", "Log in with your number"),
    "to_offers": ("查看我的优惠", "See my offers"),
    "sms_code": ("【客户服务】您的验证码是{code}，5分钟内有效。请勿告诉他人。", ""),
    "sms_confirm": ("【客户服务】{name}您好，您已成功办理{policy}，感谢您的支持。", ""),
}


def pick_lang(query: str | None, cookie: str | None, accept: str | None = None) -> str:
    """``?lang=`` first, then the cookie (the customer's own choice); Chinese otherwise (the
    customers' phones often say English when their owners read Chinese)."""
    for candidate in (query, cookie):
        if candidate in LANGS:
            return candidate  # type: ignore[return-value]
    return "zh"


def t(lang: str, key: str, **params: Any) -> str:
    zh, en = TEXTS[key]
    text = en if lang == "en" and en else zh
    return text.format(**params) if params else text
