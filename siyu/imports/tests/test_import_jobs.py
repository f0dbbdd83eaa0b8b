from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from siyu.console.tests.factories import login
from siyu.customers.models import Customer, Order
from siyu.demo.brand import Brand
from siyu.imports.models import ImportJob, ImportStatus
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import

pytestmark = pytest.mark.django_db

GOOD = "phone,display_name,gender,store,owner\n13911112222,张敏,女,上海静安店,chen.jing\n13633334444,赵蕾,,,\n"
ONE_BAD = GOOD + "12345,坏号码,,,\n"


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def run(kind: str, text: str, *, skip: bool = False, encoding: str = "utf-8") -> ImportJob:
    job = start_import(kind, "f.csv", text.encode(encoding), skip_invalid=skip, user=None)
    run_import_job(job.pk)
    job.refresh_from_db()
    return job


def test_good_customer_file_imports_every_row(brand: Brand) -> None:
    job = run("customers", GOOD)
    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.imported_rows, job.invalid_rows) == (2, 2, 0)
    zhang = Customer.objects.get(display_name="张敏")
    assert zhang.primary_owner == brand.chen_jing
    assert zhang.phone_last4 == "2222"
    assert job.content == ""  # personal data is dropped once the job is done


def test_gbk_file_imports_like_utf8(brand: Brand) -> None:
    run("customers", GOOD, encoding="gbk")
    assert set(Customer.objects.values_list("display_name", flat=True)) == {"张敏", "赵蕾"}


def test_a_file_with_an_invalid_row_writes_nothing(brand: Brand) -> None:
    job = run("customers", ONE_BAD)
    assert job.status == ImportStatus.REJECTED
    assert not Customer.objects.exists()
    assert job.invalid_rows == 1
    assert job.error_report[0]["row"] == 4
    assert job.error_report[0]["column"] == "phone"


def test_skip_invalid_imports_the_good_rows_and_reports_the_bad(brand: Brand) -> None:
    job = run("customers", ONE_BAD, skip=True)
    assert job.status == ImportStatus.DONE
    assert (job.imported_rows, job.invalid_rows) == (2, 1)
    assert Customer.objects.count() == 2
    assert job.processed_rows == job.total_rows == 3


def test_unknown_store_is_reported_on_its_row(brand: Brand) -> None:
    job = run("customers", "phone,store\n13911112222,火星店\n")
    assert job.status == ImportStatus.REJECTED
    [error] = job.error_report
    assert (error["row"], error["column"]) == (2, "store")
    assert error["message"] == "组织架构中没有名为 火星店 的门店或区域"


ORDERS = (
    "phone,platform,order_no,paid_at,total_amount,paid_amount,sku,product_name,quantity,"
    "unit_price,refund_no,refund_amount,refunded_at\n"
    "13911112222,taobao,TB1,2025-03-01 14:30,68,58,BEAN,云南咖啡豆,1,68,,,\n"
    "13911112222,taobao,TB1,2025-03-01 14:30,68,58,,,,,RF1,10,2025-03-02 09:00\n"
)


def test_orders_import_with_refunds_and_twice_changes_nothing(brand: Brand) -> None:
    first = run("orders", ORDERS)
    assert first.status == ImportStatus.DONE, first.error_report
    order = Order.objects.get(order_no="TB1")
    assert (order.paid_fen, order.refunded_fen) == (5800, 1000)
    again = run("orders", ORDERS)
    assert again.status == ImportStatus.DONE
    assert Order.objects.count() == 1
    assert Customer.objects.count() == 1


def test_a_redelivered_task_does_not_run_the_job_twice(brand: Brand) -> None:
    job = run("customers", GOOD)
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.imported_rows == 2


def test_upload_enqueues_the_task_and_shows_progress(
    client: Client, brand: Brand, immediate_tasks: None, django_capture_on_commit_callbacks: Any
) -> None:
    login(client, brand.lin_yue)
    upload = SimpleUploadedFile("客户.csv", GOOD.encode("utf-8-sig"), "text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/imports/", {"kind": "customers", "file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/imports/{job.pk}/"
    assert Customer.objects.count() == 2
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "客户.csv" in page
    assert "100%" in page


def test_progress_bar_polls_until_the_job_finishes(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    job = start_import("customers", "f.csv", GOOD.encode(), skip_invalid=False, user=None)
    body = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in body
    run_import_job(job.pk)
    done = client.get(f"/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def test_error_report_downloads_as_csv(client: Client, brand: Brand) -> None:
    job = run("customers", ONE_BAD)
    response = login(client, brand.lin_yue).get(f"/imports/{job.pk}/errors.csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,message"
    assert lines[1].startswith("4,phone,")


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("a.csv", b"", "空"),
        ("a.xlsx", b"PK\x03\x04xx", "Excel"),
        ("a.csv", b"nickname,age\n", "nickname"),
    ],
)
def test_bad_files_get_a_clear_message_not_a_500(
    client: Client, brand: Brand, name: str, data: bytes, message: str
) -> None:
    login(client, brand.lin_yue)
    upload = SimpleUploadedFile(name, data, "text/csv")
    response = client.post("/imports/", {"kind": "customers", "file": upload})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_sales_staff_cannot_import(client: Client, brand: Brand) -> None:
    assert login(client, brand.chen_jing).get("/imports/").status_code == 403


def test_sample_files_download(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert client.get("/imports/sample/orders.csv").status_code == 200
    assert client.get("/imports/sample/nope.csv").status_code == 404
