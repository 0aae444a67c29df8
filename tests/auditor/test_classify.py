from auditor.model.classify import EmailClass, classify_email, is_py_mobile, is_valid_ci, normalise_ci, normalise_phone

ALLOW = ["mprueba.gov.py"]


def test_allowlisted_domain_and_subdomain_are_institutional():
    assert classify_email("redes@mprueba.gov.py", ALLOW) is EmailClass.INSTITUTIONAL
    assert classify_email("x@prensa.mprueba.gov.py", ALLOW) is EmailClass.INSTITUTIONAL


def test_lookalike_suffix_is_not_a_subdomain():
    assert classify_email("x@falsomprueba.gov.py", ALLOW) is not EmailClass.INSTITUTIONAL


def test_free_providers_are_free():
    for email in ("a@gmail.com", "a@outlook.com", "a@yahoo.com", "a@hotmail.es"):
        assert classify_email(email, ALLOW) is EmailClass.FREE, email


def test_free_provider_subdomain_is_judged_by_registrable_domain():
    assert classify_email("a@mail.gmail.com", ALLOW) is EmailClass.FREE


def test_disposable_domains_are_disposable():
    assert classify_email("a@mailinator.com", ALLOW) is EmailClass.DISPOSABLE


def test_allowlist_is_checked_before_free_lists():
    # A state company's own domain counts even where a list might call it something else.
    assert classify_email("a@gmail.com", ["gmail.com"]) is EmailClass.INSTITUTIONAL


def test_other_gov_domain_and_unknown_domain():
    assert classify_email("a@otra.gov.py", ALLOW) is EmailClass.PUBLIC_SECTOR_OTHER
    assert classify_email("a@agencia.com.py", ALLOW) is EmailClass.OTHER


def test_university_subdomains_count_for_una_py():
    assert classify_email("x@pol.una.py", ["una.py"]) is EmailClass.INSTITUTIONAL


def test_invalid_addresses():
    for email in ("no-at-sign", "@mprueba.gov.py", "a@localhost"):
        assert classify_email(email, ALLOW) is EmailClass.INVALID, email


def test_ci_normalisation_and_validity():
    assert normalise_ci("5.612.050") == "5612050"
    assert is_valid_ci("5612050")
    assert not is_valid_ci("123456789")  # 9 digits
    assert not is_valid_ci("0123456")  # leading zero
    assert not is_valid_ci("12a4567")


def test_paraguayan_mobile_numbers():
    assert normalise_phone("0981 123456", mobile_only=True) == "+595981123456"
    assert normalise_phone("+595 971 302002", mobile_only=True) == "+595971302002"
    assert is_py_mobile("0981123456")
    assert not is_py_mobile("021 585 000")  # Asunción landline
    assert normalise_phone("021 585 000", mobile_only=False) is not None
    assert normalise_phone("12", mobile_only=False) is None
