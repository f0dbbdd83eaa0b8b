"""WeCom callback crypto against Tencent's published WXBizMsgCrypt sample values."""

from __future__ import annotations

import base64

import pytest

from siyu.integrations.wecom import crypto

# Sample 1: the WXBizMsgCrypt samples (C#, Java, PHP, Python) published by Tencent.
S1_TOKEN = "QDG6eK"
S1_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
S1_CORP = "wx5823bf96d3bd56c7"
S1_ECHOSTR = (
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
)
S1_POST_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qcz"
    "cdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8q"
    "Ljvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4L"
    "UMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rU"
    "PA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXd"
    "Q2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)
# Sample 2: the WeCom python sample (weworkapi_python Sample.py).
S2_TOKEN = "FIMcpV"
S2_KEY = "2Cp1DJwT5rvp4MH4CLo4aDqiXrERKWjLWfOcPDWstAM"
S2_CORP = "wwec73722ca98c0f78"
S2_POST_BODY = (
    "<xml><ToUserName><![CDATA[wwec73722ca98c0f78]]></ToUserName>\n<Encrypt><![CDATA["
    "ciRO7Fgac9CIVwmj6hIoBlVQJ1U+x85evW+ZM/groyEgD8tIw+eH4kShGMeeApWhU/K0zbNYpv/NEs/ay+V6xbS"
    "QhI1ICNFOsC4PRrZgKQV14JiA+BRakQUrL8s9BblwJGkgnS/EI/htvpteyfAWEEbdwifzL85I5VOv+IRW6xrNbE"
    "x5PV/tHrFSoIUW3vskKEhVaA1yFE3gnzA7OT8mZBCho3oynr7gY7trybjgSv4iXqmraX3RcPOwkVxtkZRT1B9Rq"
    "ybdkhvvXGHrHikxdw+W/OLmAiwNz5i5QQRUDN3LP5RWKHbHMxyJEpAqHnp+UxwDyv9DinhH3iCtwHHD1VMOPze2"
    "7zCfy1fJZ7q3BwkEzqst16IzlVZvhyJb4iQGRXgTcq46wAoItkjSj6jouLZ+xM3wZywPVBW8YOCJBYQ="
    "]]></Encrypt>\n<AgentID><![CDATA[1000008]]></AgentID>\n</xml>"
)
# Sample 3: the URL-verification values of the weworkapi_callback sample.
S3_TOKEN = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
S3_KEY = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
S3_CORP = "ww1436e0e65a779aee"
S3_ECHOSTR = (
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
)


def test_published_url_verification_sample_verifies_and_decrypts() -> None:
    assert crypto.verify_signature(
        S1_TOKEN, "1409659589", "263014780", S1_ECHOSTR, "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"
    )
    echoed = crypto.decrypt(S1_ECHOSTR, encoding_aes_key=S1_KEY, receive_id=S1_CORP)
    assert echoed == b"1616140317555161061"


def test_weworkapi_callback_sample_signature_and_echostr() -> None:
    sig = crypto.compute_signature(S3_TOKEN, "1476416373", "47744683", S3_ECHOSTR)
    assert sig == "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
    echoed = crypto.decrypt(S3_ECHOSTR, encoding_aes_key=S3_KEY, receive_id=S3_CORP)
    assert echoed == b"1288432023552776189"


def test_published_post_sample_decrypts_to_the_documented_message() -> None:
    assert crypto.verify_signature(
        S1_TOKEN,
        "1409659813",
        "1372623149",
        S1_POST_ENCRYPT,
        "477715d11cdb4164915debcba66cb864d751f3e6",
    )
    plain = crypto.decrypt(S1_POST_ENCRYPT, encoding_aes_key=S1_KEY, receive_id=S1_CORP)
    parsed = crypto.parse_xml(plain)
    assert parsed["Content"] == "hello"
    assert parsed["MsgId"] == "4561255354251345929"


def test_python_sdk_sample_envelope_decrypts_with_chinese_content() -> None:
    plain, parsed = crypto.decrypt_event(
        S2_POST_BODY.encode(),
        token=S2_TOKEN,
        encoding_aes_key=S2_KEY,
        corp_id=S2_CORP,
        msg_signature="6573d07dd2927db9e64e80904fc30789dc5bfbed",
        timestamp="1508140545",
        nonce="938344070",
    )
    assert parsed["FromUserName"] == "TianHaoTian"
    assert parsed["Content"] == "你好啊"
    assert plain.startswith(b"<xml>")


def test_round_trip_with_unicode_and_block_boundaries() -> None:
    for size in (0, 1, 11, 12, 31, 32, 33, 1000):
        msg = "事" * size
        sealed = crypto.encrypt(
            msg, token="t", encoding_aes_key=S3_KEY, receive_id=S3_CORP, timestamp="1", nonce="n"
        )
        assert crypto.verify_signature("t", "1", "n", sealed.encrypted, sealed.signature)
        out = crypto.decrypt(sealed.encrypted, encoding_aes_key=S3_KEY, receive_id=S3_CORP)
        assert out.decode() == msg


def test_encrypt_with_fixed_prefix_is_deterministic_and_padded_to_32() -> None:
    kw = {"token": "t", "encoding_aes_key": S1_KEY, "receive_id": S1_CORP}
    a = crypto.encrypt("x", timestamp="1", nonce="n", random_prefix=b"0" * 16, **kw)
    b = crypto.encrypt("x", timestamp="1", nonce="n", random_prefix=b"0" * 16, **kw)
    assert a == b
    # 16 + 4 + 1 + 18 = 39 bytes → padded to 64, not 48: WeCom pads to 32-byte blocks.
    assert len(base64.b64decode(a.encrypted)) == 64


def test_wrong_receive_id_is_refused() -> None:
    sealed = crypto.encrypt(
        "<xml/>", token="t", encoding_aes_key=S3_KEY, receive_id="wwother", timestamp="1", nonce="n"
    )
    with pytest.raises(crypto.ReceiveIdError):
        crypto.decrypt(sealed.encrypted, encoding_aes_key=S3_KEY, receive_id=S3_CORP)


def test_tampered_signature_and_ciphertext_are_refused() -> None:
    assert not crypto.verify_signature(S1_TOKEN, "1409659589", "263014780", S1_ECHOSTR, "0" * 40)
    with pytest.raises(crypto.DecryptError):
        crypto.decrypt("not base64!!", encoding_aes_key=S1_KEY, receive_id=S1_CORP)
    with pytest.raises(crypto.DecryptError):
        crypto.decrypt("AAAA", encoding_aes_key=S1_KEY, receive_id=S1_CORP)
    flipped = "Q" + S1_ECHOSTR[1:]
    with pytest.raises(crypto.CallbackCryptoError):
        crypto.decrypt(flipped, encoding_aes_key=S1_KEY, receive_id=S1_CORP)


def test_bad_encoding_aes_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError, match="43"):
        crypto.aes_key("short")
    with pytest.raises(ValueError, match="base64"):
        crypto.aes_key("!" * 43)


def test_seal_builds_an_envelope_that_decrypt_event_accepts() -> None:
    event = "<xml><Event><![CDATA[change_external_tag]]></Event><Id>t1</Id></xml>"
    sealed = crypto.seal(
        event, token="tok", encoding_aes_key=S3_KEY, corp_id=S3_CORP, timestamp="9", nonce="x"
    )
    plain, parsed = crypto.decrypt_event(
        sealed.body.encode(),
        token="tok",
        encoding_aes_key=S3_KEY,
        corp_id=S3_CORP,
        **sealed.query(),
    )
    assert plain.decode() == event
    assert parsed == {"Event": "change_external_tag", "Id": "t1"}


def test_parse_xml_repeated_tags_become_lists_and_nesting_is_kept() -> None:
    xml = (
        b"<xml><ChangeType>update</ChangeType><MemChangeList><Item>a</Item><Item>b</Item>"
        b"</MemChangeList><Solo><Item>c</Item></Solo></xml>"
    )
    parsed = crypto.parse_xml(xml)
    assert parsed["MemChangeList"] == {"Item": ["a", "b"]}
    assert parsed["Solo"] == {"Item": "c"}


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xml><A>&a;</A></xml>',
        b'<!DOCTYPE x SYSTEM "http://example.com/x.dtd"><xml><A>1</A></xml>',
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><A>&e;</A></xml>',
        b"<xml><A>unclosed</xml>",
        b"",
        b"plain text",
        b"<xml>only text</xml>",
        "<xml><A>1</A></xml>".encode("utf-16"),
    ],
)
def test_hostile_or_garbage_xml_is_refused(payload: bytes) -> None:
    if payload.startswith(b"\xff\xfe"):
        # A UTF-16 document is well-formed XML and parses; it must still carry no DTD.
        assert crypto.parse_xml(payload) == {"A": "1"}
        return
    with pytest.raises(crypto.XmlError):
        crypto.parse_xml(payload)


def test_envelope_without_encrypt_is_refused() -> None:
    with pytest.raises(crypto.XmlError):
        crypto.parse_envelope(b"<xml><ToUserName>ww</ToUserName></xml>")
