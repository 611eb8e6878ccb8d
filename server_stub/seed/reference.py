"""Static recipes of the demo data: places, teams, stores, products, policies, scripts.

Everything here is fixed text and numbers; :mod:`server_stub.seed.generate` samples from it.
Policies follow the seeds' examples (预存168得504 for the 96 plan, 预存228得684 for the 126
plan, 到厅换4G卡, a handset discount). Their ``rule`` strings are in the eligibility rule
language of ``docs/dev-notes.md``; the generator mirrors each rule with a vectorised
predicate (``ELIGIBILITY`` in generate.py) so that the history it writes knows who fitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.core.clock import BUSINESS_TZ_NAME


@dataclass(frozen=True)
class City:
    """A city customers live in, the teams that call it and its ID-number area code."""

    province: str
    city: str
    weight: float
    area_code: str
    teams: tuple[str, ...]
    districts: tuple[str, ...]
    timezone: str = BUSINESS_TZ_NAME


CITIES: tuple[City, ...] = (
    City("广东", "广州", 14, "440106", ("T01", "T02"), ("天河", "越秀", "番禺")),
    City("广东", "深圳", 10, "440304", ("T01", "T02"), ("福田", "南山")),
    City("广东", "佛山", 5, "440604", ("T01", "T02"), ("禅城",)),
    City("广东", "东莞", 4, "441900", ("T01", "T02"), ("南城",)),
    City("广西", "南宁", 3, "450103", ("T02",), ("青秀",)),
    City("海南", "海口", 2, "460105", ("T02",), ("龙华",)),
    City("上海", "上海", 9, "310115", ("T03",), ("浦东", "徐汇")),
    City("江苏", "南京", 4, "320106", ("T03",), ("鼓楼",)),
    City("江苏", "苏州", 4, "320508", ("T03",), ("姑苏",)),
    City("浙江", "杭州", 5, "330106", ("T03",), ("西湖",)),
    City("北京", "北京", 8, "110105", ("T04",), ("朝阳", "海淀")),
    City("天津", "天津", 3, "120101", ("T04",), ("和平",)),
    City("山东", "济南", 3, "370102", ("T04",), ("历下",)),
    City("河南", "郑州", 3, "410105", ("T04",), ("金水",)),
    City("四川", "成都", 5, "510104", ("T05",), ("锦江",)),
    City("重庆", "重庆", 4, "500103", ("T05",), ("渝中",)),
    City("湖北", "武汉", 4, "420106", ("T05",), ("武昌",)),
    City("湖南", "长沙", 3, "430104", ("T05",), ("岳麓",)),
    City("陕西", "西安", 3, "610113", ("T05",), ("雁塔",)),
    City("新疆", "乌鲁木齐", 2, "650102", ("T05",), ("天山",), "Asia/Urumqi"),
)

#: Team id -> (name, province, number of agents). T06 answers the hotline for everyone.
TEAMS: dict[str, tuple[str, str, int]] = {
    "T01": ("广州外呼一组", "广东", 8),
    "T02": ("广州外呼二组", "广东", 8),
    "T03": ("上海外呼组", "上海", 8),
    "T04": ("北京外呼组", "北京", 8),
    "T05": ("成都外呼组", "四川", 8),
    "T06": ("客服热线组", "广东", 6),
}
HOTLINE_TEAM = "T06"
#: Share of Guangdong customers in T01's book (the rest go to T02).
T01_SHARE_OF_GUANGDONG = 0.55

STREETS: tuple[str, ...] = (
    "体育西路", "中山五路", "解放南路", "建设大道", "人民中路", "迎宾大道", "新华路",
    "长江路", "和平大街", "滨江东路", "东风路", "文化路", "光明街", "五一路",
)

SKILLS: tuple[str, ...] = (
    "contract", "handset", "broadband", "5g", "family", "data", "roaming", "retention",
)

JOBS: tuple[str, ...] = (
    "企业职员", "个体经营", "工人", "教师", "公务员", "医护人员", "销售", "IT从业者",
    "自由职业", "司机", "农民", "服务业",
)
JOB_WEIGHTS: tuple[float, ...] = (22, 12, 12, 5, 5, 5, 9, 7, 8, 6, 4, 5)

#: Plan fees (yuan / month), their shares by network, and the data allowance in GB.
PLAN_FEES: tuple[int, ...] = (18, 38, 56, 76, 96, 126, 136, 196, 296)
PLAN_ALLOWANCE_GB: tuple[float, ...] = (1, 3, 10, 20, 30, 40, 60, 80, 150)
PLAN_WEIGHTS_BY_NETWORK: dict[str, tuple[float, ...]] = {
    "3G": (20, 30, 25, 12, 8, 3, 1, 1, 0),
    "4G": (3, 10, 20, 17, 24, 14, 6, 4, 2),
    "5G": (0, 2, 8, 12, 22, 22, 15, 12, 7),
}
PLAN_SERIES: dict[str, str] = {"3G": "畅聊", "4G": "乐享4G", "5G": "5G畅享"}
NETWORKS: tuple[str, ...] = ("3G", "4G", "5G")

#: Devices by network: (brand, model, age of the model in years).
DEVICES: dict[str, tuple[tuple[str, str, int], ...]] = {
    "3G": (
        ("诺基亚", "C5", 9), ("华为", "畅享5", 8), ("三星", "Galaxy J7", 8),
        ("苹果", "iPhone 6", 9), ("中兴", "V5", 8), ("OPPO", "A57", 7),
    ),
    "4G": (
        ("苹果", "iPhone 11", 5), ("苹果", "iPhone XR", 6), ("华为", "P30", 5),
        ("华为", "nova 7", 4), ("小米", "Redmi Note 9", 4), ("OPPO", "A93", 4),
        ("vivo", "Y52s", 4), ("荣耀", "Play 5", 3), ("苹果", "iPhone 12", 4),
        ("小米", "11", 3), ("三星", "Galaxy A52", 3), ("vivo", "X60", 3),
    ),
    "5G": (
        ("苹果", "iPhone 15", 1), ("苹果", "iPhone 16", 0), ("苹果", "iPhone 14", 2),
        ("华为", "Mate 60", 1), ("华为", "P70", 0), ("华为", "nova 12", 1),
        ("小米", "14", 1), ("小米", "Redmi K70", 1), ("OPPO", "Reno 11", 1),
        ("vivo", "X100", 1), ("荣耀", "Magic6", 1), ("三星", "Galaxy S24", 1),
        ("一加", "12", 1), ("荣耀", "X50", 2),
    ),
}

#: Mobile number prefixes of the three operators (and the newer 19x ranges).
PHONE_PREFIXES: tuple[int, ...] = (
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139,
    150, 151, 152, 153, 155, 156, 157, 158, 159,
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189,
    191, 193, 195, 196, 197, 198, 199,
)


@dataclass(frozen=True)
class PolicySpec:
    """A demo policy and what the outcome model needs to know about it."""

    id: str
    code: str
    name: str
    pitch: str
    description: str
    product: str
    rule: str
    channels: tuple[str, ...]
    priority: int
    value: float
    exclusive_group: str | None = None
    quota_total: int | None = None
    quota_per_store: int | None = None
    #: validity in days relative to the reference date (None = open-ended)
    valid_from_days: int | None = -400
    valid_to_days: int | None = 365
    #: skill an agent needs to sell it well
    skill: str = "contract"
    #: accepted in outbound means "agreed to come to a store" (work order)
    needs_store: bool = False
    keywords: tuple[str, ...] = field(default=())


ALL_CHANNELS = ("outbound", "hotline", "store", "sms", "online")

POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        "P-168-504", "168-504", "预存168得504",
        "预存168元,分12个月返还共504元话费",
        "存量维系合约政策:面向96元套餐用户,预存168元得504元话费,合约期12个月。",
        "contract", "plan_fee == 96", ALL_CHANNELS, 90, 168.0, "contract",
        quota_total=50000, quota_per_store=2000, skill="contract"),
    PolicySpec(
        "P-228-684", "228-684", "预存228得684",
        "预存228元,分12个月返还共684元话费",
        "存量维系合约政策:面向126元套餐用户,预存228元得684元话费,合约期12个月。",
        "contract", "plan_fee == 126", ALL_CHANNELS, 90, 228.0, "contract",
        quota_total=40000, quota_per_store=1500, skill="contract"),
    PolicySpec(
        "P-SIM-4G", "SIM-4G", "到厅换4G卡",
        "免费到厅换4G卡,升级4G网络",
        "持旧SIM卡的3G用户到最近的营业厅免费换4G卡;客户经理外呼确认到厅时间并转派工单。",
        "sim", 'network == "3G"', ("outbound", "hotline", "store"), 80, 50.0,
        skill="retention", needs_store=True),
    PolicySpec(
        "P-PHONE-500", "PHONE-500", "购机直降500",
        "指定5G手机直降500元",
        "有换机意向的老用户购买指定5G机型直降500元,可到厅提机或线上下单。",
        "handset", '"upgrade_intent" in tags', ("outbound", "hotline", "store", "online"),
        70, 2999.0, quota_total=20000, quota_per_store=300, skill="handset", needs_store=True),
    PolicySpec(
        "P-5G-UP", "5G-UP", "5G升级包",
        "加10元/月升级5G,送20G 5G流量",
        "4G用户升级5G网络,每月加10元,赠送20G定向5G流量,12个月。",
        "plan", 'network == "4G" and "5g_prospect" in tags and plan_fee >= 56', ALL_CHANNELS,
        60, 120.0, "plan_change", skill="5g"),
    PolicySpec(
        "P-BB-FUSION", "BB-FUSION", "宽带融合套餐",
        "手机+300M宽带融合,宽带每月仅加30元",
        "宽带潜客办理融合套餐:现有套餐基础上每月加30元享300M宽带,免安装费。",
        "broadband", '"broadband_prospect" in tags and plan_fee >= 76',
        ("outbound", "hotline", "store", "online"), 65, 360.0, skill="broadband"),
    PolicySpec(
        "P-FAMILY-2ND", "FAMILY-2ND", "家庭副卡",
        "主卡共享流量,副卡每月10元",
        "家庭用户办理副卡,共享主卡流量和通话,每张副卡每月10元,最多3张。",
        "family", '("family" in tags or "secondary_card_prospect" in tags) and plan_fee >= 96',
        ALL_CHANNELS, 55, 120.0, skill="family"),
    PolicySpec(
        "P-DATA-20G", "DATA-20G", "20G流量月包",
        "20元得20G全国流量,当月有效",
        "流量超套或高流量用户订购20G流量月包,可连续订购。",
        "data", '"data_overage" in tags or "heavy_data" in tags', ALL_CHANNELS,
        40, 20.0, skill="data"),
    PolicySpec(
        "P-SENIOR-CARE", "SENIOR-CARE", "孝心卡",
        "60岁以上用户专享,每月18元含10G流量",
        "老年用户专享孝心卡,低月费含亲情号码免费通话。",
        "plan", "age >= 60 and plan_fee <= 56", ("outbound", "hotline", "store"),
        50, 216.0, "plan_change", skill="retention"),
    PolicySpec(
        "P-RETAIN-VIP", "RETAIN-VIP", "高价值挽留礼包",
        "在网满12个月赠送6个月每月30元话费",
        "携号转网风险的高价值用户专属挽留:承诺在网12个月,赠送180元话费。",
        "retention", '"port_out_risk" in tags and value_tier in ["high", "potential"]',
        ("outbound", "hotline", "store"), 95, 1200.0, "contract", skill="retention"),
    PolicySpec(
        "P-ROAM-98", "ROAM-98", "国际漫游包",
        "98元7天多国畅游",
        "商旅及国际漫游用户出行前订购,覆盖60个国家和地区。",
        "roaming", '"intl_roaming" in tags or "business_traveller" in tags',
        ("outbound", "hotline", "sms", "online"), 30, 98.0, skill="roaming"),
    PolicySpec(
        "P-SUMMER-10G", "SUMMER-10G", "暑期学生流量包",
        "学生专享10G暑期流量,仅需9.9元",
        "暑期活动,已结束。",
        "data", '"student" in tags', ("sms", "online", "outbound"), 20, 9.9,
        valid_from_days=-153, valid_to_days=-62, skill="data"),
)

POLICY_IDS: tuple[str, ...] = tuple(p.id for p in POLICIES)

#: Pressure limits: (id, channel, period, max, quiet start, quiet end, cool-down days).
PRESSURE_LIMITS: tuple[tuple[str, str, str, int, str, str, int], ...] = (
    ("PL-OUTBOUND-MONTH", "outbound", "month", 2, "21:00", "09:00", 7),
    ("PL-SMS-MONTH", "sms", "month", 4, "21:00", "09:00", 3),
    ("PL-OUTBOUND-DAY", "outbound", "day", 1, "21:00", "09:00", 7),
)

# ---------------------------------------------------------------- scripts

#: Greetings of the serving channels: a hotline agent answers a caller, a receptionist greets a
#: walk-in; the policy's offer and objection scripts follow as on an outbound call.
CHANNEL_SCRIPTS: dict[str, dict[str, tuple[str, str]]] = {
    "hotline": {
        "opening": ("热线·接听", "您好,这里是客服热线,工号{agent_name}为您服务。请问{surname}{salutation},有什么可以帮您?"),
        "closing": ("热线·结束", "还有其他可以帮您的吗?感谢您的来电,祝您生活愉快!"),
    },
    "store": {
        "opening": ("营业厅·迎宾", "您好,欢迎光临{store_name}!{surname}{salutation},请问今天办理什么业务?"),
        "closing": ("营业厅·送别", "已经为您办理好了,请收好您的证件,欢迎下次光临!"),
    },
}

_OPENING = "您好,请问是{surname}{salutation}吗?我是{team_name}的客户经理{agent_name},耽误您一分钟时间。"
_GENERIC_PROBING = "您目前用的是{plan_name},每月{plan_fee}元,平时流量和通话够用吗?"
_GENERIC_CLOSING = "好的,那就帮您登记了,稍后会有短信确认,感谢您的支持,祝您生活愉快!"

#: Policy id -> (opening, probing, offer A, offer B or None, closing)
SCRIPT_TEXTS: dict[str, tuple[str, str, str, str | None, str]] = {
    "P-168-504": (
        _OPENING + "您是我们的老用户,这次有一个专门给96元套餐用户的回馈活动。",
        "您现在每月{plan_fee}元的套餐用了{tenure_months}个月了,话费方面有没有想再省一点?",
        "现在预存168元,就能分12个月返还504元话费,相当于每月多送42元,套餐不用变。",
        "只要预存168元,一年能拿回504元,净赚336元,很多老用户都已经办了。",
        "那我这边帮您办理预存168得504,返还的话费每月1号到账。" + _GENERIC_CLOSING,
    ),
    "P-228-684": (
        _OPENING + "感谢您一直使用我们的126元套餐,这边有一个专属回馈。",
        "您每月{plan_fee}元的套餐,流量一般用得完吗?出差多不多?",
        "预存228元得684元话费,分12个月返还,每月多57元,套餐内容不变。",
        "相当于套餐打了六五折,预存228元一年返684元,活动名额有限。",
        "好的,帮您办理预存228得684,稍后短信确认。" + _GENERIC_CLOSING,
    ),
    "P-SIM-4G": (
        _OPENING + "系统显示您的卡还是老的3G卡,网络会越来越慢。",
        "您平时打电话、上网有没有觉得信号不太好?",
        "现在到营业厅可以免费换一张4G卡,号码不变,换完网速快很多。您家附近的{store_name}就能办。",
        None,
        "那我帮您预约到{store_name},您带上身份证过去就可以,营业员会直接给您换卡。",
    ),
    "P-PHONE-500": (
        _OPENING + "看到您的手机用了有几年了,最近有换机的打算吗?",
        "您现在用的是{device},平时拍照、玩游戏卡不卡?",
        "现在老用户购买指定5G手机直降500元,华为、苹果、小米都有,还能分期。",
        "指定5G机型立减500元,再送一年碎屏险,到厅还能现场试机。",
        "那我帮您把优惠登记上,您到{store_name}就可以直接提机,或者我发个链接您线上下单。",
    ),
    "P-5G-UP": (
        _OPENING + "您的手机已经支持5G了,套餐还是4G的。",
        "您平时看视频、玩游戏多吗?流量够不够用?",
        "每月只加10元就能升级5G,再送20G的5G流量,网速快十倍。",
        "升级5G每月加10元,连续12个月送20G流量,随时可以改回。",
        "好的,升级下个月1号生效。" + _GENERIC_CLOSING,
    ),
    "P-BB-FUSION": (
        _OPENING + "想了解一下您家里装宽带了吗?",
        "家里几个人上网?现在的宽带是哪家的,每月多少钱?",
        "办理融合套餐,每月只加30元就有300M宽带,免安装费,手机和宽带一张账单。",
        None,
        "我帮您预约装机师傅上门,时间您看哪天方便?",
    ),
    "P-FAMILY-2ND": (
        _OPENING + "您的套餐流量比较多,家里人可以一起用。",
        "家里还有几位家人在用手机?他们是用哪家的卡?",
        "办一张副卡每月10元,共享您套餐里的流量和通话,最多可以办3张。",
        "家人办副卡每张每月10元,全家共享流量,比单独办卡一年省好几百。",
        "好的,副卡可以到{store_name}领取,也可以快递到家。",
    ),
    "P-DATA-20G": (
        _OPENING + "看到您上个月流量超出了套餐。",
        "您流量主要是用来看视频还是玩游戏?月底是不是经常不够用?",
        "现在20元就能订20G全国流量月包,比超出按量计费省很多。",
        None,
        "流量包马上生效,有效期到本月底。" + _GENERIC_CLOSING,
    ),
    "P-SENIOR-CARE": (
        "您好,请问是{name}吗?我是您的客户经理{agent_name},给您介绍一个老年人专享的优惠。",
        "您平时主要是打电话吗?和家里孩子通话多不多?",
        "孝心卡每月只要18元,含10G流量,亲情号码通话免费,比现在还便宜。",
        None,
        "您可以让家人陪同到{store_name}办理,带上身份证就行。",
    ),
    "P-RETAIN-VIP": (
        _OPENING + "您是我们的高价值客户,非常感谢您的长期支持。",
        "最近使用中有没有不满意的地方?网络、资费方面有什么想法都可以跟我说。",
        "为了感谢您,承诺在网12个月就赠送180元话费,分6个月到账。",
        None,
        "感谢您继续支持我们,赠送话费下个月开始到账。",
    ),
    "P-ROAM-98": (
        _OPENING + "您最近有出境出差或旅游的计划吗?",
        "一般去哪些国家?每次待几天?",
        "98元7天多国畅游包,覆盖60个国家和地区,流量不限速。",
        None,
        "漫游包出发前开通即可,我给您发个办理短信。",
    ),
    "P-SUMMER-10G": (
        "同学你好,暑期学生专享流量包来啦!",
        "假期在家看视频、打游戏流量够用吗?",
        "9.9元得10G暑期流量,开学前都能用。",
        None,
        "回复1即可订购。",
    ),
}

#: Objection handling for every policy: (key, keywords, template).
OBJECTIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("price", ("太贵", "贵", "没钱", "不划算", "钱"),
     "理解您的顾虑。其实算下来{policy_name}每月相当于只花很少的钱,比现在每月{plan_fee}元更划算。"),
    ("need", ("不需要", "用不上", "不用", "够用"),
     "明白,很多用户一开始也这么想,不过{policy_name}不改变您现在的使用习惯,只是多一份优惠。"),
    ("think", ("考虑一下", "再说", "想想", "商量", "以后"),
     "好的,不着急。这个活动名额有限,我先帮您保留,过两天再跟您确认可以吗?"),
    ("contract", ("合约", "绑定", "违约", "锁定", "携号转网"),
     "合约期只有12个月,期间套餐和号码都不变,到期可以自由选择,没有额外的违约条款。"),
    ("trust", ("骗子", "诈骗", "不信", "真的吗"),
     "您可以拨打客服热线核实,我的工号是{agent_name},也可以到{store_name}现场办理。"),
)

#: Placeholders the templates may use: the screen pop fills them from the portrait, the
#: policy and the agent (workbench/services/screen_pop.py).
PLACEHOLDERS: frozenset[str] = frozenset({
    "name", "surname", "salutation", "plan_name", "plan_fee", "tenure_months", "device", "city",
    "network", "policy_name", "pitch", "value", "agent_name", "team_name", "store_name",
})

#: Lifecycle-specific openings for the contract policies (stage -> text).
LIFECYCLE_OPENINGS: dict[str, str] = {
    "acquisition": "您好{name},欢迎加入!您入网不久,我们给新用户准备了{policy_name}。",
    "decline": "您好{name},注意到您最近使用有所减少,特地为您申请了{policy_name},希望继续为您服务。",
    "churned": "您好{name},好久不见,我们为老朋友准备了回归礼遇:{policy_name}。",
}

#: Notes agents write, by wrap-up code.
NOTES: dict[str, tuple[str, ...]] = {
    "accepted": ("客户同意办理", "已办理,短信确认已发", "客户很满意,已受理", "当场办理成功"),
    "interested": ("客户表示考虑一下,约下周回访", "需要和家人商量", "有兴趣,月底再联系",
                   "想先了解对比一下"),
    "refused": ("客户嫌贵", "客户表示不需要", "客户正在用其他运营商的副卡", "不感兴趣",
                "客户说合约太长"),
    "no_answer": ("无人接听", "响铃无人接", "关机"),
    "busy": ("占线", "客户正忙,挂断"),
    "wrong_number": ("号码错误,非本人", "空号"),
    "complaint": ("客户投诉信号差", "客户对上月扣费有异议,已转投诉", "客户反感营销电话"),
    "do_not_call": ("客户要求不再来电,已登记免打扰",),
    "transferred": ("客户同意到厅办理,已转派工单", "约好周末到厅,已派单"),
    "info_only": ("查询话费余额", "咨询套餐内容", "咨询宽带安装进度", "办理停复机咨询",
                  "查询积分兑换"),
}

WORK_ORDER_FAIL_REASONS: tuple[str, ...] = (
    "客户未到厅", "客户改变主意", "资料不全无法办理", "号码状态异常,无法办理", "库存不足",
)
WORK_ORDER_NOTES: tuple[str, ...] = (
    "客户约周六上午到厅", "客户下班后到厅,请留意", "客户带身份证到厅换卡", "客户想现场试机",
    "客户需要营业员协助操作",
)
