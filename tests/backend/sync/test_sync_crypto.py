"""Encryption at rest for refresh tokens and service-account keys."""

import os
import stat

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from threadbook import crypto


def make_app(tmp_path, key=""):
    app = Flask("t", instance_path=str(tmp_path / "instance"))
    app.config["ENCRYPTION_KEY"] = key
    return app


def test_round_trip_hides_the_plaintext(tmp_path):
    app = make_app(tmp_path, Fernet.generate_key().decode())
    token = crypto.encrypt("1//refresh-secret", app)
    assert "refresh-secret" not in token
    assert token != crypto.encrypt("1//refresh-secret", app)  # fresh IV each time
    assert crypto.decrypt(token, app) == "1//refresh-secret"


def test_a_key_is_generated_once_into_instance_with_owner_only_access(tmp_path):
    app = make_app(tmp_path)
    token = crypto.encrypt("secret", app)
    path = tmp_path / "instance" / crypto.KEY_FILE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    key = path.read_text()
    assert crypto.decrypt(token, make_app(tmp_path)) == "secret"  # a restart reads the same key
    assert path.read_text() == key


def test_a_passphrase_is_stretched_into_a_key(tmp_path):
    app = make_app(tmp_path, "correct horse battery staple")
    assert crypto.decrypt(crypto.encrypt("x", app), app) == "x"
    with pytest.raises(crypto.WeakKey):
        crypto.encrypt("x", make_app(tmp_path, "short"))


def test_keys_rotate_first_encrypts_any_decrypts(tmp_path):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    token = crypto.encrypt("secret", make_app(tmp_path, old))
    rotated = make_app(tmp_path, f"{new},{old}")
    assert crypto.decrypt(token, rotated) == "secret"
    assert crypto.decrypt(crypto.encrypt("again", rotated), make_app(tmp_path, new)) == "again"


@pytest.mark.parametrize("damage", [lambda t: t[:-2] + "AA", lambda t: "garbage", lambda t: None])
def test_tampered_or_foreign_values_fail_without_quoting_them(tmp_path, damage):
    app = make_app(tmp_path, Fernet.generate_key().decode())
    token = damage(crypto.encrypt("hunter2", app))
    with pytest.raises(crypto.DecryptionFailed) as raised:
        crypto.decrypt(token, app)
    assert "hunter2" not in str(raised.value) and (token is None or token not in str(raised.value))


def test_a_wrong_key_cannot_decrypt(tmp_path):
    token = crypto.encrypt("secret", make_app(tmp_path, Fernet.generate_key().decode()))
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(token, make_app(tmp_path, Fernet.generate_key().decode()))


def test_decrypt_fresh_refuses_old_tokens(tmp_path):
    app = make_app(tmp_path, Fernet.generate_key().decode())
    assert crypto.decrypt_fresh(crypto.encrypt("state", app), 600, app) == "state"
    old = crypto.cipher(app).encrypt_at_time(b"state", 1_000_000_000).decode()
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt_fresh(old, 600, app)
