"""The world fixture builds and the API answers for it on both databases."""

from fastapi.testclient import TestClient

from tests.conftest import World


def test_me_answers_for_each_token(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/me", headers=world.staff_a.headers)
    assert response.status_code == 200
    body = response.json()
    assert body["grants"] == [{"role": "merchant_staff", "org_id": str(world.merchant_a)}]


def test_without_token_is_problem_json(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "auth.required"
