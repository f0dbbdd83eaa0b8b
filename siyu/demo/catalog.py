"""Fixed facts of the simulated brand: channels, products, where the stores are, names.

Everything here is constant so that a seed alone decides the generated data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from siyu.demo.brand import JINGAN, REGIONS

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The demo's "today": an ordinary Tuesday. Output never depends on the real clock.
DEFAULT_NOW = datetime(2026, 11, 17, 10, 30, tzinfo=SHANGHAI)
DEFAULT_SEED = 7
DEFAULT_CUSTOMERS = 2000

WECOM_CORP = "ww5c0ffee0camellia"
OFFICIAL_ACCOUNT_APPID = "wx0a11camellia0a"
MINIPROGRAM_APPID = "wx0b22camellia0m"
CHANNEL_TAG_GROUP = "渠道"
VALUE_TAG_GROUP = "客户价值"
TASTE_TAG_GROUP = "口味偏好"


@dataclass(frozen=True)
class Channel:
    code: str
    name: str
    weight: float
    conversion: float  # share of arrivals who ever buy after being added


CHANNELS: tuple[Channel, ...] = (
    Channel("douyin_video", "抖音视频", 0.22, 0.45),
    Channel("xhs_note", "小红书笔记", 0.15, 0.55),
    Channel("store_poster", "门店海报", 0.20, 0.80),
    Channel("parcel_card", "包裹卡", 0.18, 0.85),
    Channel("ads", "信息流广告", 0.15, 0.40),
    Channel("event", "线下活动", 0.10, 0.70),
)
CHANNEL_BY_CODE = {c.code: c for c in CHANNELS}


@dataclass(frozen=True)
class Sku:
    sku: str
    name: str
    category: str
    price_fen: int


SKUS: tuple[Sku, ...] = (
    Sku("BEAN-YN-250", "云南保山小粒 250g", "咖啡豆", 6800),
    Sku("BEAN-ET-250", "埃塞俄比亚耶加雪菲 250g", "咖啡豆", 9800),
    Sku("BEAN-CO-250", "哥伦比亚慧兰 250g", "咖啡豆", 8800),
    Sku("BEAN-ES-500", "山茶拼配意式 500g", "咖啡豆", 12800),
    Sku("DRIP-10", "经典挂耳 10 包", "挂耳", 4900),
    Sku("DRIP-PRO-15", "精品手冲挂耳 15 包", "挂耳", 7900),
    Sku("COLD-6", "冷萃咖啡液 6 杯", "咖啡液", 3900),
    Sku("ESPR-12", "浓缩咖啡液 12 杯", "咖啡液", 6900),
    Sku("GEAR-KETTLE", "细口手冲壶", "器具", 19900),
    Sku("GEAR-GRINDER", "手摇磨豆机", "器具", 39900),
    Sku("GEAR-DRIPPER", "V60 滤杯", "器具", 5900),
    Sku("GEAR-FILTER", "滤纸 100 张", "器具", 1900),
)
STORE_DRINKS: tuple[Sku, ...] = (
    Sku("DRINK-LATTE", "拿铁", "门店饮品", 2800),
    Sku("DRINK-AMERICANO", "美式", "门店饮品", 2200),
    Sku("DRINK-CAMELLIA", "山茶花拿铁", "门店饮品", 3200),
    Sku("DRINK-COLDBREW", "冷萃", "门店饮品", 3000),
)
SKU_BY_CODE = {s.sku: s for s in (*SKUS, *STORE_DRINKS)}

STORE_DISTRICTS: dict[str, str] = {
    "上海静安店": "上海市静安区",
    "上海徐汇店": "上海市徐汇区",
    "杭州西湖店": "浙江省杭州市",
    "南京新街口店": "江苏省南京市",
    "深圳南山店": "广东省深圳市",
    "广州天河店": "广东省广州市",
    "厦门思明店": "福建省厦门市",
    "福州鼓楼店": "福建省福州市",
    "北京朝阳店": "北京市朝阳区",
    "北京海淀店": "北京市海淀区",
    "天津和平店": "天津市和平区",
    "青岛市南店": "山东省青岛市",
}
STORES: tuple[str, ...] = tuple(name for names in REGIONS.values() for name in names)
# Jing'an is the flagship: its weight makes chen.jing own ~300 customers at the default size.
JINGAN_SHARE = 0.215
CHEN_JING_SHARE = 0.70


def store_staff(store: str) -> tuple[list[str], str]:
    """(sales usernames, manager username) for a store, as brand.build_brand names them."""
    number = STORES.index(store) + 1
    if store == JINGAN:
        return ["chen.jing", f"sales{number:02d}"], "wang.qiang"
    return [f"sales{number:02d}"], f"manager{number:02d}"


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢骆岳齐沿梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳解强丛华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫来嵺苟全褚廉简娄盖符奚木穆党燕郎邸冀谈姬屠连郜晏栾郁商蒙计喻揭窦迟宇敖糜鄢冷卓花艾蓝都巩稽井练仲乐虞卞封竺冼原官衣楚佟栗匡宗应台巫鞠僧桑荆谌银扬明沙薄伏岑习胥保和蔺"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫斌宇浩凯健俊帆帅旭宁琳晶欣怡婷雪颖倩琪悦晨阳佳瑶璐雯萌蕾嘉睿轩子涵梓宸博文一诺若曦思源"
NICKNAMES = ("咖啡续命", "小鹿", "阿猫", "橙子", "momo", "Coco", "Eric", "晴天", "一一", "豆豆")
OCCUPATIONS = ("白领", "设计师", "程序员", "教师", "学生", "自由职业", "医生", "销售", "创业者", "")
INTERESTS = ("手冲", "拿铁艺术", "烘焙", "露营", "健身", "读书", "摄影", "旅行", "猫", "办公续命")
TASTES = ("浅烘果酸", "深烘醇厚", "奶咖", "冷萃")
PAGES = ("首页", "咖啡豆", "挂耳", "咖啡液", "器具", "会员中心", "优惠券", "门店")
