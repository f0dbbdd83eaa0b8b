"""WeChat official account (subscribe/unsubscribe push) and mini-program login (code2session):
both feed identity resolution so one person keeps one profile."""
