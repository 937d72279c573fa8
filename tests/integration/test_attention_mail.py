"""Issue 12: the files a run cannot take are mailed together, once, and files left where
the daemon does not look are reported once instead of staying there without a word."""

from __future__ import annotations

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
