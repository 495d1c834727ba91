"""Every error path of scenario validation: the message names the full field path, the bad value and what
is allowed; ``ScenarioError`` carries the same three as ``.path``, ``.value`` and ``.allowed``."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from sovsim.scenario import ScenarioError, load_scenario, scenario_from_dict, to_dict
from sovsim.scenario.loader import parse_override


def error_of(*args, **kwargs) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(*args, **kwargs)
    return info.value


def error_from_dict(data, overrides=None) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data, overrides)
    return info.value


def assert_names(err: ScenarioError, path: str, value, *allowed_phrases: str) -> None:
    """The error's fields, and its message naming the path, the value (as repr) and the allowed phrase."""
    message = str(err)
    assert err.path == path
    assert err.value == value
    assert type(err.value) is type(value)
    assert message.startswith(f"{path}: ")
    assert repr(value) in message
    for phrase in allowed_phrases:
        assert phrase in err.allowed
        assert phrase in message
    assert isinstance(err, ValueError)


# -- unknown keys ------------------------------------------------------------------------------------------

def test_unknown_top_level_key_with_did_you_mean():
    err = error_from_dict({"stafff": {}})
    assert_names(err, "stafff", {}, "one of name, description, calendar", "did you mean 'staff'?")
    assert "unknown field" in str(err)


def test_unknown_nested_key_names_the_full_path():
    err = error_from_dict({"staff": {"no_such_field": 1}})
    assert_names(err, "staff.no_such_field", 1, "salary_premium", "attrition_per_year")
    assert "unknown field" in str(err)


def test_unknown_nested_key_with_did_you_mean():
    err = error_from_dict({"staff": {"salary_premum": 1.2}})
    assert_names(err, "staff.salary_premum", 1.2, "did you mean 'salary_premium'?")


def test_unknown_key_inside_a_role():
    err = error_from_dict({"staff": {"roles": {"ok": {"target": 3}}}})
    assert_names(err, "staff.roles.ok.target", 3, "target_fte", "initial_fte", "did you mean 'target_fte'?")


def test_unknown_override_key():
    err = error_of(overrides=["staff.no_such_field=1"])
    assert_names(err, "staff.no_such_field", 1, "salary_premium")


def test_unknown_override_key_with_did_you_mean():
    err = error_of(overrides={"treasury.initial_cash": 5.0})
    assert_names(err, "treasury.initial_cash", 5.0, "did you mean 'initial_cash_usd'?")


def test_unknown_intermediate_section_names_the_whole_path():
    err = error_of(overrides=["nosuch.x=1"])
    assert_names(err, "nosuch.x", 1, "one of name, description, calendar, treasury, staff")


def test_misspelt_intermediate_section_gets_a_suggestion():
    # regression: did-you-mean compared the last path component with the section names
    err = error_of(overrides=["staf.salary_premium=1.2"])
    assert_names(err, "staf.salary_premium", 1.2, "did you mean 'staff'?")


# -- wrong types -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "value", "allowed", "problem"), [
    ("staff.salary_premium", "abc", "a number > 0 and ≤ 20", "expected a number"),
    ("staff.salary_premium", True, "a number > 0 and ≤ 20", "expected a number"),
    ("treasury.initial_cash_usd", "1e6", "a number ≥ 0", "expected a number"),
    ("compute.gpu_count", 1.5, "an integer ≥ 0 and ≤ 1e+07", "expected an integer"),
    ("compute.gpu_count", True, "an integer ≥ 0 and ≤ 1e+07", "expected an integer"),
    ("compute.gpu_count", "512", "an integer ≥ 0 and ≤ 1e+07", "expected an integer"),
    ("staff.roles.research.target_fte", 2.5, "an integer ≥ 0 and ≤ 100000", "expected an integer"),
    ("model.strategy", 1, "one of 'scratch', 'continue', 'finetune'", "expected a string"),
    ("name", 3, "a string", "expected a string"),
    ("description", 1.5, "a string", "expected a string"),
    ("calendar.start_date", "hello", "a date (YYYY-MM-DD)", "not a date"),
    ("calendar.start_date", 5, "a date (YYYY-MM-DD)", "expected a date"),
    ("calendar.start_date", dt.datetime(2027, 1, 1, 12, 0), "a date (YYYY-MM-DD)", "expected a date"),
    ("treasury", 1, "a table of Treasury fields", "expected a table"),
    ("staff", "big", "a table of Staff fields", "expected a table"),
    ("staff.roles", 5, "a table of named Role tables", "expected a table"),
    ("staff.roles.research", 3, "a table of Role fields", "expected a table"),
])
def test_wrong_type(path, value, allowed, problem):
    err = error_of(overrides={path: value})
    assert_names(err, path, value, allowed)
    assert problem in str(err)


@pytest.mark.parametrize(("text", "path", "value"), [
    ("staff.salary_premium=abc", "staff.salary_premium", "abc"),       # not TOML: kept as a string
    ("staff.salary_premium=true", "staff.salary_premium", True),
    ("compute.gpu_count=1.5", "compute.gpu_count", 1.5),
    ("model.strategy=1", "model.strategy", 1),
    ("calendar.start_date=2027-13-01", "calendar.start_date", "2027-13-01"),
])
def test_wrong_type_from_the_command_line(text, path, value):
    err = error_of(overrides=[text])
    assert_names(err, path, value)


@pytest.mark.parametrize("text", ["staff.salary_premium=nan", "staff.salary_premium=inf",
                                  "staff.salary_premium=-inf"])
def test_non_finite_numbers_are_refused(text):
    err = error_of(overrides=[text])
    assert err.path == "staff.salary_premium"
    assert "expected a finite number" in str(err)
    assert "a number > 0 and ≤ 20" in str(err)


def test_dates_are_accepted_as_dates_and_iso_strings():
    a = load_scenario(overrides=["calendar.start_date=2030-02-03"])
    b = load_scenario(overrides={"calendar.start_date": "2030-02-03"})
    c = load_scenario(overrides={"calendar.start_date": dt.date(2030, 2, 3)})
    assert a.calendar.start_date == b.calendar.start_date == c.calendar.start_date == dt.date(2030, 2, 3)


# -- out of range ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "value", "allowed"), [
    ("treasury.initial_cash_usd", -1.0, "a number ≥ 0"),                       # below ge
    ("treasury.election_cut_probability", 1.5, "a number ≥ 0 and ≤ 1"),        # above le
    ("calendar.horizon_years", 0.0, "a number > 0 and ≤ 50"),                  # gt violated at the bound
    ("calendar.horizon_years", 50.5, "a number > 0 and ≤ 50"),
    ("staff.salary_premium", -0.1, "a number > 0 and ≤ 20"),
    ("staff.roles.research.target_fte", -1, "an integer ≥ 0 and ≤ 100000"),
    ("staff.roles.research.public_salary_usd_per_year", 0.0, "a number > 0"),
    ("compute.gpu_count", 10_000_001, "an integer ≥ 0 and ≤ 1e+07"),
    ("frontier.compute_growth_per_year", 0.5, "a number ≥ 1 and ≤ 100"),
    ("staff.minimum_crew_fte", -1.0, "a number ≥ 0"),
])
def test_out_of_range(path, value, allowed):
    err = error_of(overrides={path: value})
    assert_names(err, path, value, allowed)
    assert "out of range" in str(err)


@pytest.mark.parametrize(("path", "value"), [
    ("treasury.initial_cash_usd", 0.0), ("treasury.election_cut_probability", 1.0),
    ("calendar.horizon_years", 50.0), ("staff.salary_premium", 20.0), ("compute.gpu_count", 0),
    ("frontier.compute_growth_per_year", 1.0), ("staff.time_to_hire_cv", 0.0), ("staff.ramp_up_months", 0.0),
])
def test_the_bounds_themselves_are_accepted_when_inclusive(path, value):
    extra = {"treasury.election_cancel_probability": 0.0} if path == "treasury.election_cut_probability" else {}
    scenario = load_scenario(overrides={path: value, **extra})
    section, name = path.split(".")
    assert getattr(getattr(scenario, section), name) == value


# -- choices and names --------------------------------------------------------------------------------------------

def test_bad_strategy():
    err = error_of(overrides=["model.strategy=bogus"])
    assert_names(err, "model.strategy", "bogus", "one of 'scratch', 'continue', 'finetune'")
    assert "not a known choice" in str(err)


def test_bad_gpu():
    err = error_of(overrides=["compute.gpu=tpu"])
    assert_names(err, "compute.gpu", "tpu", "'a100'", "'h100'", "'b200'")


@pytest.mark.parametrize("name", ["1abc", "_x", "-x", "with space", "", "a.b", "r\u00f4le"])
def test_bad_role_name(name):
    err = error_from_dict({"staff": {"roles": {name: {"target_fte": 30}}}})
    assert_names(err, f"staff.roles.{name}", name, "letters, digits, _ and -")
    assert "bad name" in str(err)


@pytest.mark.parametrize("name", ["research", "Research", "ml-ops", "ml_ops2", "R"])
def test_good_role_names(name):
    scenario = scenario_from_dict({"staff": {"roles": {name: {"target_fte": 30}}}})
    assert list(scenario.staff.roles) == [name]


def test_role_name_with_a_trailing_newline_is_refused():
    # regression: re.match with '$' accepted a trailing newline
    err = error_from_dict({"staff": {"roles": {"abc\n": {"target_fte": 30}}}})
    assert err.path == "staff.roles.abc\n"


# -- cross-field checks ------------------------------------------------------------------------------------------

def test_cut_fraction_min_above_max():
    err = error_of(overrides={"treasury.election_cut_fraction_min": 0.7, "treasury.election_cut_fraction_max": 0.6})
    assert_names(err, "treasury.election_cut_fraction_min", 0.7, "≤ election_cut_fraction_max (0.6)")


def test_cut_plus_cancel_above_one():
    err = error_of(overrides={"treasury.election_cut_probability": 0.6,
                              "treasury.election_cancel_probability": 0.5})
    assert_names(err, "treasury.election_cancel_probability", 0.5, "≤ 1 - election_cut_probability (0.4)")


def test_cut_plus_cancel_exactly_one_is_accepted():
    scenario = load_scenario(overrides={"treasury.election_cut_probability": 0.75,
                                        "treasury.election_cancel_probability": 0.25})
    assert scenario.treasury.election_cancel_probability == 0.25


def test_minimum_crew_above_total_targets():
    err = error_of(overrides={"staff.minimum_crew_fte": 100.0})
    assert_names(err, "staff.minimum_crew_fte", 100.0, "≤ the sum of role targets (36)")


def test_minimum_crew_follows_changed_targets():
    # research 10 → 2 leaves 28 targets; a crew of 30 no longer fits, 28 does
    err = error_of(overrides={"staff.roles.research.target_fte": 2, "staff.minimum_crew_fte": 30.0})
    assert_names(err, "staff.minimum_crew_fte", 30.0, "(28)")
    ok = load_scenario(overrides={"staff.roles.research.target_fte": 2, "staff.minimum_crew_fte": 28.0})
    assert ok.staff.minimum_crew_fte == 28.0


def test_default_jurisdictions_round_trip():
    # regression: jurisdiction codes 'US', 'TW', 'KR' failed the lowercase rule for table names, so the default
    # scenario did not load back from its own dict and no jurisdiction could be overridden
    scenario = load_scenario()
    assert scenario_from_dict(to_dict(scenario)) == scenario
    changed = load_scenario(overrides={"export.jurisdictions.US.initial_regime": "embargoed"})
    assert changed.export.jurisdictions["US"].initial_regime == "embargoed"


def test_empty_roles():
    err = error_of(overrides={"staff.roles": {}})
    assert_names(err, "staff.roles", {}, "at least one role")


# -- overrides -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["staff.salary_premium", "=3", " = 3", ""])
def test_malformed_set_without_a_path_or_equals(text):
    err = error_of(overrides=[text])
    assert_names(err, "--set", text, "PATH=VALUE")
    assert "malformed override" in str(err)


def test_parse_override_reads_toml_values_else_strings():
    assert parse_override("staff.salary_premium=1.2") == ("staff.salary_premium", 1.2)
    assert parse_override(" compute.gpu_count = 64 ") == ("compute.gpu_count", 64)
    assert parse_override("model.strategy=scratch") == ("model.strategy", "scratch")
    assert parse_override('model.strategy="scratch"') == ("model.strategy", "scratch")
    assert parse_override("calendar.start_date=2030-01-01") == ("calendar.start_date", dt.date(2030, 1, 1))
    assert parse_override("description=a=b") == ("description", "a=b")


def test_override_through_a_value():
    err = error_of(overrides=["staff.salary_premium.x=1"])
    assert_names(err, "staff.salary_premium.x", 1, "staff.salary_premium is a value, not a table")


def test_override_through_a_value_inside_a_role():
    err = error_of(overrides=["staff.roles.research.target_fte.x=2"])
    assert_names(err, "staff.roles.research.target_fte.x", 2, "staff.roles.research.target_fte is a value")


def test_override_unknown_field_inside_a_role():
    err = error_of(overrides=["staff.roles.research.nope=2"])
    assert_names(err, "staff.roles.research.nope", 2, "target_fte")


def test_override_inside_roles_keeps_the_other_roles():
    default = load_scenario()
    scenario = load_scenario(overrides=["staff.roles.research.target_fte=20"])
    assert list(scenario.staff.roles) == list(default.staff.roles)
    assert scenario.staff.roles["research"] == dataclasses.replace(default.staff.roles["research"], target_fte=20)
    for name in default.staff.roles:
        if name != "research":
            assert scenario.staff.roles[name] == default.staff.roles[name]


def test_override_inside_roles_keeps_the_default_roles_when_the_data_has_none():
    scenario = scenario_from_dict({}, ["staff.roles.research.target_fte=20"])
    assert list(scenario.staff.roles) == ["research", "engineering", "data", "operations"]
    assert scenario.staff.roles["research"].target_fte == 20


def test_override_adds_a_new_role():
    default = load_scenario()
    scenario = load_scenario(overrides=["staff.roles.newrole.target_fte=3"])
    assert list(scenario.staff.roles) == [*default.staff.roles, "newrole"]
    assert scenario.staff.roles["newrole"].target_fte == 3
    for name in default.staff.roles:
        assert scenario.staff.roles[name] == default.staff.roles[name]


def test_override_replacing_the_roles_table():
    scenario = load_scenario(overrides={"staff.roles": {"solo": {"target_fte": 25}}, "staff.minimum_crew_fte": 20.0})
    assert list(scenario.staff.roles) == ["solo"]


def test_overrides_do_not_mutate_the_callers_tables():
    # regression: a later override inside a table-valued override wrote into the caller's dict
    overrides = {"staff.roles": {"solo": {"target_fte": 25}}, "staff.roles.solo.target_fte": 30}
    scenario = scenario_from_dict({}, overrides)
    assert scenario.staff.roles["solo"].target_fte == 30
    assert overrides["staff.roles"] == {"solo": {"target_fte": 25}}


def test_overrides_apply_in_order_and_later_wins():
    scenario = load_scenario(overrides=["staff.salary_premium=1.5", "staff.salary_premium=2.5"])
    assert scenario.staff.salary_premium == 2.5


def test_single_string_override():
    assert load_scenario(overrides="staff.salary_premium=2").staff.salary_premium == 2.0


def test_override_error_beats_a_later_valid_override():
    err = error_of(overrides=["nosuch=1", "staff.salary_premium=2"])
    assert err.path == "nosuch"


# -- sources ----------------------------------------------------------------------------------------------------------

def test_unknown_preset():
    err = error_of("nope")
    assert_names(err, "scenario", "nope", "a preset (", "midsize-nation", "or a TOML file path")
    assert "no such preset or file" in str(err)


def test_missing_file(tmp_path):
    missing = tmp_path / "missing.toml"
    err = error_of(missing)
    assert err.path == "scenario"
    assert str(missing) in str(err)
    assert "midsize-nation" in err.allowed


def test_invalid_toml_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[staff\nsalary_premium = \n", encoding="utf-8")
    err = error_of(bad)
    assert_names(err, "scenario", str(bad), "valid TOML")
    assert "cannot parse" in str(err)


def test_file_with_a_bad_value_names_the_field(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[staff]\nattrition_per_year = 9.0\n", encoding="utf-8")
    err = error_of(path)
    assert_names(err, "staff.attrition_per_year", 9.0, "a number ≥ 0 and ≤ 5")


def test_file_takes_its_name_from_the_stem_and_defaults_the_rest(tmp_path):
    path = tmp_path / "small-island.toml"
    path.write_text('description = "tiny"\n[compute]\ngpu_count = 8\n', encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "small-island"
    assert scenario.description == "tiny"
    assert scenario.compute.gpu_count == 8
    assert scenario.staff == scenario_from_dict({}).staff


def test_file_path_as_string_and_overrides_on_top(tmp_path):
    path = tmp_path / "x.toml"
    path.write_text("name = \"given\"\n[compute]\ngpu_count = 8\n", encoding="utf-8")
    scenario = load_scenario(str(path), overrides=["compute.gpu_count=16"])
    assert scenario.name == "given"
    assert scenario.compute.gpu_count == 16


# -- the error object --------------------------------------------------------------------------------------------------

def test_scenario_error_fields_and_message():
    err = ScenarioError("staff.attrition_per_year", 9.0, "a number ≥ 0 and ≤ 5", "out of range:")
    assert (err.path, err.value, err.allowed, err.problem) == ("staff.attrition_per_year", 9.0,
                                                               "a number ≥ 0 and ≤ 5", "out of range:")
    assert str(err) == "staff.attrition_per_year: out of range: 9.0; allowed: a number ≥ 0 and ≤ 5"


def test_non_table_scenario_is_a_scenario_error():
    # regression: a non-table raised AttributeError from the deep copy before validation
    err = error_from_dict(3)
    assert "expected a table" in str(err)
    assert err.value == 3


def test_replace_validates_again():
    # regression: sections validated only in build(), so dataclasses.replace made invalid frozen sections
    treasury = load_scenario().treasury
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(treasury, election_cut_probability=2.0)
    assert "election_cut_probability" in info.value.path
    with pytest.raises(ScenarioError) as info:
        dataclasses.replace(treasury, election_cut_fraction_min=0.9)  # above the maximum 0.6
    assert info.value.path.endswith("election_cut_fraction_min")
    scenario = load_scenario()
    assert dataclasses.replace(scenario, name="other").name == "other"
