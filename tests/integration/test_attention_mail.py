"""Issue 12: the files a run cannot take are mailed together, once, and files left where
the daemon does not look are reported once instead of staying there without a word."""

from __future__ import annotations

from datetime import timedelta

from tests.returns_world import World


async def test_thirty_one_bad_files_are_one_mail_listing_each_once(w: World) -> None:
    names = [f"holiday-{n:02}.mov" for n in range(31)]
    for name in names:
        w.upload(name)

    report = await w.run("a2_a3")
    await w.run("a2_a3")

    assert report.counts == {"set_aside": 31}
    [mail] = await w.emails()
    assert mail.to == "errors" and mail.subject == "Needs attention in Box (a2_a3): 31 file(s)"
    assert sorted(e["file"] for e in mail.context["set_aside"]) == names
    assert all(mail.text.count(f"- {name} (Box file") == 1 for name in names)


async def test_files_in_a_sub_folder_or_dropped_into_needs_attention_are_reported_once(
    w: World,
) -> None:
    folder = w.folders["a2_a3"]
    by_country = w.boxe.create_folder(folder, "Germany")
    hidden = w.boxe.create_file(by_country.id, "Nutella_DE_de_123_OMG999.mp4", data=b"x").id
    w.upload("holiday.mov")  # set aside by the run: not reported as dropped there
    await w.run("a2_a3")
    attention = w.attention_folder("a2_a3")
    assert attention is not None
    dropped = w.boxe.create_file(attention, "please-import.mp4", data=b"x").id

    await w.run("a2_a3")
    await w.run("a2_a3")

    noticed = {e["box_file_id"]: e["reason"] for e in await w.attention("noticed")}
    assert sorted(noticed) == sorted([hidden, dropped])
    assert "in the sub-folder 'Germany', where the daemon does not look" in noticed[hidden]
    assert "put straight into _needs_attention" in noticed[dropped]
    assert len(await w.emails("needs_attention_digest")) == 2  # the set-aside, the drop
    assert w.file(hidden).parent_id == by_country.id  # left alone, not lost
    assert w.file(dropped).parent_id == attention


async def test_a_file_taken_out_of_where_it_was_noticed_and_put_back_is_reported_again(
    w: World,
) -> None:
    germany = w.boxe.create_folder(w.folders["a2_a3"], "Germany")
    hidden = w.boxe.create_file(germany.id, "Nutella_DE_de_123_OMG999.mp4", data=b"x")
    w.upload("holiday.mov")
    await w.run("a2_a3")
    attention = w.attention_folder("a2_a3")
    assert attention is not None
    dropped = w.boxe.create_file(attention, "please-import.mp4", data=b"x")
    await w.run("a2_a3")
    elsewhere = w.folders["a1_a2"]  # someone takes both away…
    w.boxe.store.update(hidden, parent_id=elsewhere)
    w.boxe.store.delete(dropped)
    await w.run("a2_a3")
    w.boxe.store.update(hidden, parent_id=germany.id)  # …and puts them back
    again = w.boxe.create_file(attention, "please-import.mp4", data=b"x")

    await w.run("a2_a3")

    noticed = [e["box_file_id"] for e in await w.attention("noticed")]
    assert sorted(noticed) == sorted([hidden.id, dropped.id, hidden.id, again.id])


async def test_notices_go_with_their_files_and_idle_runs_do_not_list_needs_attention(
    w: World,
) -> None:
    folder = w.folders["a2_a3"]
    germany = w.boxe.create_folder(folder, "Germany")
    hidden = w.boxe.create_file(germany.id, "Nutella_DE_de_123_OMG999.mp4", data=b"x")
    w.upload("holiday.mov")
    await w.run("a2_a3")  # holiday.mov set aside, the file in Germany reported
    w.boxe.store.update(hidden, parent_id=folder)  # the agency moves it up: it is taken
    await w.run("a2_a3")
    attention = w.attention_folder("a2_a3")
    w.boxe.requests.clear()

    for _ in range(3):
        await w.run("a2_a3")

    assert await w.rows("SELECT * FROM box_notices") == []
    listed = [
        r
        for r in w.boxe.requests
        if r.path == f"/2.0/folders/{attention}/items" and "usemarker" in r.query
    ]
    assert listed == []  # its two set-aside files are known; nothing new arrived
    assert len(await w.attention("set_aside")) == 2 and len(await w.attention("noticed")) == 1


async def test_a_drop_that_keeps_needs_attention_s_count_is_found_within_a_day(
    w: World,
) -> None:
    first = w.upload("holiday.mov")
    w.upload("notes.txt")
    await w.run("a2_a3")  # both set aside: _needs_attention holds two files
    attention = w.attention_folder("a2_a3")
    assert attention is not None
    await w.run("a2_a3")  # listed once more after the set-asides, its count remembered
    w.boxe.store.delete(w.file(first))  # one goes, another comes: the count stays
    dropped = w.boxe.create_file(attention, "please-import.mp4", data=b"x").id

    await w.run("a2_a3")
    later = w.services.clock() + timedelta(days=1, minutes=5)
    await w.run("a2_a3", services=w.services.with_(clock=lambda: later))

    assert [e["box_file_id"] for e in await w.attention("noticed")] == [dropped]
