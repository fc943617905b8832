"""Plants of several blocks (``plant.blocks``): one single-mounting site per block.

A block is a sub-array with its own mounting, its own DC and AC capacity (its own
inverters, so it clips at its own AC rating) and, optionally, losses of its own. The model
chain runs each block as a plant of one mounting that shares everything else of the site
(location, weather, module, thermal model, albedo, the other losses), and adds the
blocks' energies stage by stage: the plant's energy after each stage is the sum of the
blocks'. :func:`block_sites` makes those sites; the reference chain
(:func:`pvyield.model.chain.run_chain`) and the engine
(:func:`pvyield.model.engine.run_sites`) both use it, and ``tests/test_blocks.py`` holds a
plant of two blocks against the two plants written as separate site files.
"""

from __future__ import annotations

from pvyield.site.schema import Losses, Site


def block_sites(site: Site) -> list[Site]:
    """One site of a single mounting per block of a plant; ``[site]`` without blocks.

    Each block's site is the plant's with the block's mounting, DC and AC capacity and
    losses (the plant's, with the fields the block sets replaced), named
    ``"<plant> / <block>"``. Module count and power are left out (they only check the
    plant's DC rating, which the block sites no longer carry whole).
    """
    plant = site.plant
    if plant.blocks is None:
        return [site]
    out = []
    for block in plant.blocks:
        sub_plant = plant.model_copy(update={
            "mounting": block.mounting, "blocks": None,
            "dc_capacity_mwp": block.dc_capacity_mwp,
            "ac_capacity_mwac": block.ac_capacity_mwac,
            "module_count": None, "module_power_wp": None})
        sub_plant._equipment, sub_plant._filled = plant._equipment, dict(plant._filled)
        out.append(site.model_copy(update={
            "name": f"{site.name} / {block.name}", "plant": sub_plant,
            "losses": block_losses(site, block)}))
    return out


def block_losses(site: Site, block) -> Losses:
    """The losses of a block: the plant's, with the fields the block sets replaced.

    Validated as plant losses are, so a block's value out of range is refused by name.
    """
    if block.losses is None:
        return site.losses
    changed = {k: v for k, v in block.losses.model_dump().items() if v is not None}
    return Losses.model_validate({**site.losses.model_dump(), **changed})


def dc_shares(site: Site) -> list[float]:
    """Each block's share of the plant's DC capacity (``[1.0]`` without blocks) [-]."""
    if site.plant.blocks is None:
        return [1.0]
    total = sum(b.dc_capacity_mwp for b in site.plant.blocks)
    return [b.dc_capacity_mwp / total for b in site.plant.blocks]
