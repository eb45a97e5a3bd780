"""Display labels of the ESI enums that pages show: wallet journal entry types, notification
types, corporation roles, gender, planet types, location flags, in the active language.

ESI names these as programmers' identifiers (``bounty_prizes``, ``StructureUnderAttack``,
``Hangar_Take_3``). The values ESI documents (its OpenAPI spec's enums) have a translatable
label here, with a message context per enum, so that a German "Bounty" of the wallet does not
have to be the word of another page; a value ESI adds later still reads well through
``formatting.humanize_identifier`` until it gets a label of its own.

==========================  ==================================================================
function                    example (English)
==========================  ==================================================================
``ref_type(value)``         ``bounty_prizes`` -> ``"Bounty prizes"``
``notification_type(v)``    ``StructureUnderAttack`` -> ``"Structure under attack"``
``corporation_role(v)``     ``Hangar_Take_3`` -> ``"Hangar 3: take"``
``gender(value)``           ``female`` -> ``"Female"``
``planet_type(value)``      ``barren`` -> ``"Barren"``
``location_flag(value)``    ``HiSlot0`` -> ``"High slot 1"``
==========================  ==================================================================

Pure lookups, no Django I/O (gettext only). The tables were made from the ESI spec that
django-eveuniverse bundles; ``tests/test_esi_labels.py`` fails when the spec names a value
without a label here.
"""

from __future__ import annotations

import re

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from memberaudit.core.formatting import humanize_identifier

#: wallet journal ``ref_type`` -> label
REF_TYPES: dict[str, Promise] = {
    "acceleration_gate_fee": pgettext_lazy("wallet journal entry type", "Acceleration gate fee"),
    "advertisement_listing_fee": pgettext_lazy("wallet journal entry type", "Advertisement listing fee"),
    "agent_donation": pgettext_lazy("wallet journal entry type", "Agent donation"),
    "agent_location_services": pgettext_lazy("wallet journal entry type", "Agent location services"),
    "agent_miscellaneous": pgettext_lazy("wallet journal entry type", "Agent miscellaneous"),
    "agent_mission_collateral_paid": pgettext_lazy(
        "wallet journal entry type", "Agent mission collateral paid"
    ),
    "agent_mission_collateral_refunded": pgettext_lazy(
        "wallet journal entry type", "Agent mission collateral refunded"
    ),
    "agent_mission_reward": pgettext_lazy("wallet journal entry type", "Agent mission reward"),
    "agent_mission_reward_corporation_tax": pgettext_lazy(
        "wallet journal entry type", "Agent mission reward corporation tax"
    ),
    "agent_mission_time_bonus_reward": pgettext_lazy(
        "wallet journal entry type", "Agent mission time bonus reward"
    ),
    "agent_mission_time_bonus_reward_corporation_tax": pgettext_lazy(
        "wallet journal entry type", "Agent mission time bonus corporation tax"
    ),
    "agent_security_services": pgettext_lazy("wallet journal entry type", "Agent security services"),
    "agent_services_rendered": pgettext_lazy("wallet journal entry type", "Agent services rendered"),
    "agents_preward": pgettext_lazy("wallet journal entry type", "Agent pre-reward"),
    "air_career_program_reward": pgettext_lazy("wallet journal entry type", "AIR career program reward"),
    "alliance_maintainance_fee": pgettext_lazy("wallet journal entry type", "Alliance maintenance fee"),
    "alliance_registration_fee": pgettext_lazy("wallet journal entry type", "Alliance registration fee"),
    "allignment_based_gate_toll": pgettext_lazy("wallet journal entry type", "Alignment based gate toll"),
    "asset_safety_recovery_tax": pgettext_lazy("wallet journal entry type", "Asset safety recovery tax"),
    "bounty": pgettext_lazy("wallet journal entry type", "Bounty"),
    "bounty_prize": pgettext_lazy("wallet journal entry type", "Bounty prize"),
    "bounty_prize_corporation_tax": pgettext_lazy(
        "wallet journal entry type", "Bounty prize corporation tax"
    ),
    "bounty_prizes": pgettext_lazy("wallet journal entry type", "Bounty prizes"),
    "bounty_reimbursement": pgettext_lazy("wallet journal entry type", "Bounty reimbursement"),
    "bounty_surcharge": pgettext_lazy("wallet journal entry type", "Bounty surcharge"),
    "brokers_fee": pgettext_lazy("wallet journal entry type", "Broker's fee"),
    "clone_activation": pgettext_lazy("wallet journal entry type", "Clone activation"),
    "clone_transfer": pgettext_lazy("wallet journal entry type", "Clone transfer"),
    "contraband_fine": pgettext_lazy("wallet journal entry type", "Contraband fine"),
    "contract_auction_bid": pgettext_lazy("wallet journal entry type", "Contract auction bid"),
    "contract_auction_bid_corp": pgettext_lazy(
        "wallet journal entry type", "Contract auction bid (corporation)"
    ),
    "contract_auction_bid_refund": pgettext_lazy("wallet journal entry type", "Contract auction bid refund"),
    "contract_auction_sold": pgettext_lazy("wallet journal entry type", "Contract auction sold"),
    "contract_brokers_fee": pgettext_lazy("wallet journal entry type", "Contract broker's fee"),
    "contract_brokers_fee_corp": pgettext_lazy(
        "wallet journal entry type", "Contract broker's fee (corporation)"
    ),
    "contract_collateral": pgettext_lazy("wallet journal entry type", "Contract collateral"),
    "contract_collateral_deposited_corp": pgettext_lazy(
        "wallet journal entry type", "Contract collateral deposited (corporation)"
    ),
    "contract_collateral_payout": pgettext_lazy("wallet journal entry type", "Contract collateral payout"),
    "contract_collateral_refund": pgettext_lazy("wallet journal entry type", "Contract collateral refund"),
    "contract_deposit": pgettext_lazy("wallet journal entry type", "Contract deposit"),
    "contract_deposit_corp": pgettext_lazy("wallet journal entry type", "Contract deposit (corporation)"),
    "contract_deposit_refund": pgettext_lazy("wallet journal entry type", "Contract deposit refund"),
    "contract_deposit_sales_tax": pgettext_lazy("wallet journal entry type", "Contract deposit sales tax"),
    "contract_price": pgettext_lazy("wallet journal entry type", "Contract price"),
    "contract_price_payment_corp": pgettext_lazy(
        "wallet journal entry type", "Contract price payment (corporation)"
    ),
    "contract_reversal": pgettext_lazy("wallet journal entry type", "Contract reversal"),
    "contract_reward": pgettext_lazy("wallet journal entry type", "Contract reward"),
    "contract_reward_deposited": pgettext_lazy("wallet journal entry type", "Contract reward deposited"),
    "contract_reward_deposited_corp": pgettext_lazy(
        "wallet journal entry type", "Contract reward deposited (corporation)"
    ),
    "contract_reward_refund": pgettext_lazy("wallet journal entry type", "Contract reward refund"),
    "contract_sales_tax": pgettext_lazy("wallet journal entry type", "Contract sales tax"),
    "copying": pgettext_lazy("wallet journal entry type", "Copying"),
    "corporate_reward_payout": pgettext_lazy("wallet journal entry type", "Corporate reward payout"),
    "corporate_reward_tax": pgettext_lazy("wallet journal entry type", "Corporate reward tax"),
    "corporation_account_withdrawal": pgettext_lazy(
        "wallet journal entry type", "Corporation account withdrawal"
    ),
    "corporation_bulk_payment": pgettext_lazy("wallet journal entry type", "Corporation bulk payment"),
    "corporation_dividend_payment": pgettext_lazy(
        "wallet journal entry type", "Corporation dividend payment"
    ),
    "corporation_liquidation": pgettext_lazy("wallet journal entry type", "Corporation liquidation"),
    "corporation_logo_change_cost": pgettext_lazy(
        "wallet journal entry type", "Corporation logo change cost"
    ),
    "corporation_payment": pgettext_lazy("wallet journal entry type", "Corporation payment"),
    "corporation_registration_fee": pgettext_lazy(
        "wallet journal entry type", "Corporation registration fee"
    ),
    "cosmetic_market_component_item_purchase": pgettext_lazy(
        "wallet journal entry type", "Cosmetic market: component purchase"
    ),
    "cosmetic_market_skin_purchase": pgettext_lazy(
        "wallet journal entry type", "Cosmetic market: SKIN purchase"
    ),
    "cosmetic_market_skin_sale": pgettext_lazy("wallet journal entry type", "Cosmetic market: SKIN sale"),
    "cosmetic_market_skin_sale_broker_fee": pgettext_lazy(
        "wallet journal entry type", "Cosmetic market: SKIN sale broker's fee"
    ),
    "cosmetic_market_skin_sale_tax": pgettext_lazy(
        "wallet journal entry type", "Cosmetic market: SKIN sale tax"
    ),
    "cosmetic_market_skin_transaction": pgettext_lazy(
        "wallet journal entry type", "Cosmetic market: SKIN transaction"
    ),
    "courier_mission_escrow": pgettext_lazy("wallet journal entry type", "Courier mission escrow"),
    "cspa": pgettext_lazy("wallet journal entry type", "CSPA charge"),
    "cspaofflinerefund": pgettext_lazy("wallet journal entry type", "CSPA offline refund"),
    "daily_challenge_reward": pgettext_lazy("wallet journal entry type", "Daily challenge reward"),
    "daily_goal_payouts": pgettext_lazy("wallet journal entry type", "Daily goal payouts"),
    "daily_goal_payouts_tax": pgettext_lazy("wallet journal entry type", "Daily goal payouts tax"),
    "datacore_fee": pgettext_lazy("wallet journal entry type", "Datacore fee"),
    "dna_modification_fee": pgettext_lazy("wallet journal entry type", "DNA modification fee"),
    "docking_fee": pgettext_lazy("wallet journal entry type", "Docking fee"),
    "duel_wager_escrow": pgettext_lazy("wallet journal entry type", "Duel wager escrow"),
    "duel_wager_payment": pgettext_lazy("wallet journal entry type", "Duel wager payment"),
    "duel_wager_refund": pgettext_lazy("wallet journal entry type", "Duel wager refund"),
    "ess_escrow_transfer": pgettext_lazy("wallet journal entry type", "ESS escrow transfer"),
    "external_trade_delivery": pgettext_lazy("wallet journal entry type", "External trade delivery"),
    "external_trade_freeze": pgettext_lazy("wallet journal entry type", "External trade freeze"),
    "external_trade_thaw": pgettext_lazy("wallet journal entry type", "External trade thaw"),
    "factory_slot_rental_fee": pgettext_lazy("wallet journal entry type", "Factory slot rental fee"),
    "flux_payout": pgettext_lazy("wallet journal entry type", "Flux payout"),
    "flux_tax": pgettext_lazy("wallet journal entry type", "Flux tax"),
    "flux_ticket_repayment": pgettext_lazy("wallet journal entry type", "Flux ticket repayment"),
    "flux_ticket_sale": pgettext_lazy("wallet journal entry type", "Flux ticket sale"),
    "freelance_jobs_broadcasting_fee": pgettext_lazy(
        "wallet journal entry type", "Freelance jobs broadcasting fee"
    ),
    "freelance_jobs_duration_fee": pgettext_lazy("wallet journal entry type", "Freelance jobs duration fee"),
    "freelance_jobs_escrow_refund": pgettext_lazy(
        "wallet journal entry type", "Freelance jobs escrow refund"
    ),
    "freelance_jobs_reward": pgettext_lazy("wallet journal entry type", "Freelance jobs reward"),
    "freelance_jobs_reward_corporation_tax": pgettext_lazy(
        "wallet journal entry type", "Freelance jobs reward corporation tax"
    ),
    "freelance_jobs_reward_escrow": pgettext_lazy(
        "wallet journal entry type", "Freelance jobs reward escrow"
    ),
    "gm_cash_transfer": pgettext_lazy("wallet journal entry type", "GM cash transfer"),
    "gm_plex_fee_refund": pgettext_lazy("wallet journal entry type", "GM PLEX fee refund"),
    "industry_job_tax": pgettext_lazy("wallet journal entry type", "Industry job tax"),
    "infrastructure_hub_maintenance": pgettext_lazy(
        "wallet journal entry type", "Infrastructure hub maintenance"
    ),
    "inheritance": pgettext_lazy("wallet journal entry type", "Inheritance"),
    "insurance": pgettext_lazy("wallet journal entry type", "Insurance"),
    "insurgency_corruption_contribution_reward": pgettext_lazy(
        "wallet journal entry type", "Insurgency corruption contribution reward"
    ),
    "insurgency_suppression_contribution_reward": pgettext_lazy(
        "wallet journal entry type", "Insurgency suppression contribution reward"
    ),
    "item_trader_payment": pgettext_lazy("wallet journal entry type", "Item trader payment"),
    "jump_clone_activation_fee": pgettext_lazy("wallet journal entry type", "Jump clone activation fee"),
    "jump_clone_installation_fee": pgettext_lazy("wallet journal entry type", "Jump clone installation fee"),
    "kill_right_fee": pgettext_lazy("wallet journal entry type", "Kill right fee"),
    "lp_store": pgettext_lazy("wallet journal entry type", "LP store"),
    "manufacturing": pgettext_lazy("wallet journal entry type", "Manufacturing"),
    "market_escrow": pgettext_lazy("wallet journal entry type", "Market escrow"),
    "market_fine_paid": pgettext_lazy("wallet journal entry type", "Market fine paid"),
    "market_provider_tax": pgettext_lazy("wallet journal entry type", "Market provider tax"),
    "market_transaction": pgettext_lazy("wallet journal entry type", "Market transaction"),
    "medal_creation": pgettext_lazy("wallet journal entry type", "Medal creation"),
    "medal_issued": pgettext_lazy("wallet journal entry type", "Medal issued"),
    "milestone_reward_payment": pgettext_lazy("wallet journal entry type", "Milestone reward payment"),
    "mission_completion": pgettext_lazy("wallet journal entry type", "Mission completion"),
    "mission_cost": pgettext_lazy("wallet journal entry type", "Mission cost"),
    "mission_expiration": pgettext_lazy("wallet journal entry type", "Mission expiration"),
    "mission_reward": pgettext_lazy("wallet journal entry type", "Mission reward"),
    "office_rental_fee": pgettext_lazy("wallet journal entry type", "Office rental fee"),
    "operation_bonus": pgettext_lazy("wallet journal entry type", "Operation bonus"),
    "opportunity_reward": pgettext_lazy("wallet journal entry type", "Opportunity reward"),
    "planetary_construction": pgettext_lazy("wallet journal entry type", "Planetary construction"),
    "planetary_export_tax": pgettext_lazy("wallet journal entry type", "Planetary export tax"),
    "planetary_import_tax": pgettext_lazy("wallet journal entry type", "Planetary import tax"),
    "player_donation": pgettext_lazy("wallet journal entry type", "Player donation"),
    "player_trading": pgettext_lazy("wallet journal entry type", "Player trading"),
    "project_discovery_reward": pgettext_lazy("wallet journal entry type", "Project Discovery reward"),
    "project_discovery_tax": pgettext_lazy("wallet journal entry type", "Project Discovery tax"),
    "project_payouts": pgettext_lazy("wallet journal entry type", "Project payouts"),
    "reaction": pgettext_lazy("wallet journal entry type", "Reaction"),
    "redeemed_isk_token": pgettext_lazy("wallet journal entry type", "Redeemed ISK token"),
    "release_of_impounded_property": pgettext_lazy(
        "wallet journal entry type", "Release of impounded property"
    ),
    "repair_bill": pgettext_lazy("wallet journal entry type", "Repair bill"),
    "reprocessing_tax": pgettext_lazy("wallet journal entry type", "Reprocessing tax"),
    "researching_material_productivity": pgettext_lazy(
        "wallet journal entry type", "Material efficiency research"
    ),
    "researching_technology": pgettext_lazy("wallet journal entry type", "Technology research"),
    "researching_time_productivity": pgettext_lazy("wallet journal entry type", "Time efficiency research"),
    "resource_wars_reward": pgettext_lazy("wallet journal entry type", "Resource wars reward"),
    "reverse_engineering": pgettext_lazy("wallet journal entry type", "Reverse engineering"),
    "season_challenge_reward": pgettext_lazy("wallet journal entry type", "Season challenge reward"),
    "security_processing_fee": pgettext_lazy("wallet journal entry type", "Security processing fee"),
    "shares": pgettext_lazy("wallet journal entry type", "Shares"),
    "skill_purchase": pgettext_lazy("wallet journal entry type", "Skill purchase"),
    "skyhook_claim_fee": pgettext_lazy("wallet journal entry type", "Skyhook claim fee"),
    "sovereignity_bill": pgettext_lazy("wallet journal entry type", "Sovereignty bill"),
    "store_purchase": pgettext_lazy("wallet journal entry type", "Store purchase"),
    "store_purchase_refund": pgettext_lazy("wallet journal entry type", "Store purchase refund"),
    "structure_gate_jump": pgettext_lazy("wallet journal entry type", "Structure gate jump"),
    "transaction_tax": pgettext_lazy("wallet journal entry type", "Transaction tax"),
    "under_construction": pgettext_lazy("wallet journal entry type", "Under construction"),
    "upkeep_adjustment_fee": pgettext_lazy("wallet journal entry type", "Upkeep adjustment fee"),
    "war_ally_contract": pgettext_lazy("wallet journal entry type", "War ally contract"),
    "war_fee": pgettext_lazy("wallet journal entry type", "War fee"),
    "war_fee_surrender": pgettext_lazy("wallet journal entry type", "War fee (surrender)"),
}

#: notification ``type`` -> label
NOTIFICATION_TYPES: dict[str, Promise] = {
    "AcceptedAlly": pgettext_lazy("notification type", "Ally accepted"),
    "AcceptedSurrender": pgettext_lazy("notification type", "Surrender accepted"),
    "AgentRetiredTrigravian": pgettext_lazy("notification type", "Agent retired (Triglavian)"),
    "AllAnchoringMsg": pgettext_lazy("notification type", "Alliance: anchoring"),
    "AllMaintenanceBillMsg": pgettext_lazy("notification type", "Alliance: maintenance bill"),
    "AllStrucInvulnerableMsg": pgettext_lazy("notification type", "Alliance: structure invulnerable"),
    "AllStructVulnerableMsg": pgettext_lazy("notification type", "Alliance: structure vulnerable"),
    "AllWarCorpJoinedAllianceMsg": pgettext_lazy(
        "notification type", "Alliance war: corporation joined alliance"
    ),
    "AllWarDeclaredMsg": pgettext_lazy("notification type", "Alliance war declared"),
    "AllWarInvalidatedMsg": pgettext_lazy("notification type", "Alliance war invalidated"),
    "AllWarRetractedMsg": pgettext_lazy("notification type", "Alliance war retracted"),
    "AllWarSurrenderMsg": pgettext_lazy("notification type", "Alliance war surrender"),
    "AllianceCapitalChanged": pgettext_lazy("notification type", "Alliance capital changed"),
    "AllianceWarDeclaredV2": pgettext_lazy("notification type", "Alliance war declared"),
    "AllyContractCancelled": pgettext_lazy("notification type", "Ally contract cancelled"),
    "AllyJoinedWarAggressorMsg": pgettext_lazy("notification type", "Ally joined war (aggressor)"),
    "AllyJoinedWarAllyMsg": pgettext_lazy("notification type", "Ally joined war (ally)"),
    "AllyJoinedWarDefenderMsg": pgettext_lazy("notification type", "Ally joined war (defender)"),
    "BattlePunishFriendlyFire": pgettext_lazy("notification type", "Friendly fire punished"),
    "BillOutOfMoneyMsg": pgettext_lazy("notification type", "Bill: out of money"),
    "BillPaidCorpAllMsg": pgettext_lazy("notification type", "Bill paid (corporation or alliance)"),
    "BountyClaimMsg": pgettext_lazy("notification type", "Bounty claimed"),
    "BountyESSShared": pgettext_lazy("notification type", "Bounty shared by the ESS"),
    "BountyESSTaken": pgettext_lazy("notification type", "Bounty taken from the ESS"),
    "BountyPlacedAlliance": pgettext_lazy("notification type", "Bounty placed on alliance"),
    "BountyPlacedChar": pgettext_lazy("notification type", "Bounty placed on character"),
    "BountyPlacedCorp": pgettext_lazy("notification type", "Bounty placed on corporation"),
    "BountyYourBountyClaimed": pgettext_lazy("notification type", "Your bounty was claimed"),
    "BuddyConnectContactAdd": pgettext_lazy("notification type", "Contact added (Buddy Connect)"),
    "CharAppAcceptMsg": pgettext_lazy("notification type", "Application accepted"),
    "CharAppRejectMsg": pgettext_lazy("notification type", "Application rejected"),
    "CharAppWithdrawMsg": pgettext_lazy("notification type", "Application withdrawn"),
    "CharLeftCorpMsg": pgettext_lazy("notification type", "Character left corporation"),
    "CharMedalMsg": pgettext_lazy("notification type", "Medal awarded"),
    "CharTerminationMsg": pgettext_lazy("notification type", "Character terminated"),
    "CloneActivationMsg": pgettext_lazy("notification type", "Clone activated"),
    "CloneActivationMsg2": pgettext_lazy("notification type", "Clone activated (2)"),
    "CloneMovedMsg": pgettext_lazy("notification type", "Clone moved"),
    "CloneRevokedMsg1": pgettext_lazy("notification type", "Clone revoked (1)"),
    "CloneRevokedMsg2": pgettext_lazy("notification type", "Clone revoked (2)"),
    "CombatOperationFinished": pgettext_lazy("notification type", "Combat operation finished"),
    "ContactAdd": pgettext_lazy("notification type", "Contact added"),
    "ContactEdit": pgettext_lazy("notification type", "Contact edited"),
    "ContainerPasswordMsg": pgettext_lazy("notification type", "Container password"),
    "ContractRegionChangedToPochven": pgettext_lazy(
        "notification type", "Contract region changed to Pochven"
    ),
    "CorpAllBillMsg": pgettext_lazy("notification type", "Corporation or alliance bill"),
    "CorpAppAcceptMsg": pgettext_lazy("notification type", "Corporation application accepted"),
    "CorpAppInvitedMsg": pgettext_lazy("notification type", "Invited to a corporation"),
    "CorpAppNewMsg": pgettext_lazy("notification type", "New corporation application"),
    "CorpAppRejectCustomMsg": pgettext_lazy(
        "notification type", "Corporation application rejected (with message)"
    ),
    "CorpAppRejectMsg": pgettext_lazy("notification type", "Corporation application rejected"),
    "CorpBecameWarEligible": pgettext_lazy("notification type", "Corporation became war eligible"),
    "CorpDividendMsg": pgettext_lazy("notification type", "Corporation dividend"),
    "CorpFriendlyFireDisableTimerCompleted": pgettext_lazy("notification type", "Friendly fire disabled"),
    "CorpFriendlyFireDisableTimerStarted": pgettext_lazy(
        "notification type", "Friendly fire disable timer started"
    ),
    "CorpFriendlyFireEnableTimerCompleted": pgettext_lazy("notification type", "Friendly fire enabled"),
    "CorpFriendlyFireEnableTimerStarted": pgettext_lazy(
        "notification type", "Friendly fire enable timer started"
    ),
    "CorpKicked": pgettext_lazy("notification type", "Kicked from corporation"),
    "CorpLiquidationMsg": pgettext_lazy("notification type", "Corporation liquidated"),
    "CorpNewCEOMsg": pgettext_lazy("notification type", "New corporation CEO"),
    "CorpNewsMsg": pgettext_lazy("notification type", "Corporation news"),
    "CorpNoLongerWarEligible": pgettext_lazy("notification type", "Corporation no longer war eligible"),
    "CorpOfficeExpirationMsg": pgettext_lazy("notification type", "Corporation office expiring"),
    "CorpStructLostMsg": pgettext_lazy("notification type", "Corporation structure lost"),
    "CorpTaxChangeMsg": pgettext_lazy("notification type", "Corporation tax changed"),
    "CorpVoteCEORevokedMsg": pgettext_lazy("notification type", "CEO vote revoked"),
    "CorpVoteMsg": pgettext_lazy("notification type", "Corporation vote"),
    "CorpWarDeclaredMsg": pgettext_lazy("notification type", "Corporation war declared"),
    "CorpWarDeclaredV2": pgettext_lazy("notification type", "Corporation war declared (new)"),
    "CorpWarFightingLegalMsg": pgettext_lazy("notification type", "War fighting is legal"),
    "CorpWarInvalidatedMsg": pgettext_lazy("notification type", "Corporation war invalidated"),
    "CorpWarRetractedMsg": pgettext_lazy("notification type", "Corporation war retracted"),
    "CorpWarSurrenderMsg": pgettext_lazy("notification type", "Corporation war surrender"),
    "CorporationGoalClosed": pgettext_lazy("notification type", "Corporation goal closed"),
    "CorporationGoalCompleted": pgettext_lazy("notification type", "Corporation goal completed"),
    "CorporationGoalCreated": pgettext_lazy("notification type", "Corporation goal created"),
    "CorporationGoalExpired": pgettext_lazy("notification type", "Corporation goal expired"),
    "CorporationGoalLimitReached": pgettext_lazy("notification type", "Corporation goal limit reached"),
    "CorporationGoalNameChange": pgettext_lazy("notification type", "Corporation goal renamed"),
    "CorporationLeft": pgettext_lazy("notification type", "Left corporation"),
    "CustomsMsg": pgettext_lazy("notification type", "Customs"),
    "DailyItemRewardAutoClaimed": pgettext_lazy(
        "notification type", "Daily item reward claimed automatically"
    ),
    "DeclareWar": pgettext_lazy("notification type", "War declared"),
    "DistrictAttacked": pgettext_lazy("notification type", "District attacked"),
    "DustAppAcceptedMsg": pgettext_lazy("notification type", "DUST application accepted"),
    "ESSMainBankLink": pgettext_lazy("notification type", "ESS main bank link"),
    "EntosisCaptureStarted": pgettext_lazy("notification type", "Entosis capture started"),
    "ExpertSystemExpired": pgettext_lazy("notification type", "Expert system expired"),
    "ExpertSystemExpiryImminent": pgettext_lazy("notification type", "Expert system about to expire"),
    "FWAllianceKickMsg": pgettext_lazy("notification type", "Factional warfare: alliance kicked"),
    "FWAllianceWarningMsg": pgettext_lazy("notification type", "Factional warfare: alliance warning"),
    "FWCharKickMsg": pgettext_lazy("notification type", "Factional warfare: character kicked"),
    "FWCharRankGainMsg": pgettext_lazy("notification type", "Factional warfare: rank gained"),
    "FWCharRankLossMsg": pgettext_lazy("notification type", "Factional warfare: rank lost"),
    "FWCharWarningMsg": pgettext_lazy("notification type", "Factional warfare: character warning"),
    "FWCorpJoinMsg": pgettext_lazy("notification type", "Factional warfare: corporation joined"),
    "FWCorpKickMsg": pgettext_lazy("notification type", "Factional warfare: corporation kicked"),
    "FWCorpLeaveMsg": pgettext_lazy("notification type", "Factional warfare: corporation left"),
    "FWCorpWarningMsg": pgettext_lazy("notification type", "Factional warfare: corporation warning"),
    "FacWarCorpJoinRequestMsg": pgettext_lazy(
        "notification type", "Factional warfare: corporation asks to join"
    ),
    "FacWarCorpJoinWithdrawMsg": pgettext_lazy(
        "notification type", "Factional warfare: join request withdrawn"
    ),
    "FacWarCorpLeaveRequestMsg": pgettext_lazy(
        "notification type", "Factional warfare: corporation asks to leave"
    ),
    "FacWarCorpLeaveWithdrawMsg": pgettext_lazy(
        "notification type", "Factional warfare: leave request withdrawn"
    ),
    "FacWarDirectEnlistmentRevoked": pgettext_lazy(
        "notification type", "Factional warfare: direct enlistment revoked"
    ),
    "FacWarLPDisqualifiedEvent": pgettext_lazy(
        "notification type", "Factional warfare: LP disqualified (event)"
    ),
    "FacWarLPDisqualifiedKill": pgettext_lazy(
        "notification type", "Factional warfare: LP disqualified (kill)"
    ),
    "FacWarLPPayoutEvent": pgettext_lazy("notification type", "Factional warfare: LP paid (event)"),
    "FacWarLPPayoutKill": pgettext_lazy("notification type", "Factional warfare: LP paid (kill)"),
    "FreelanceProjectClosed": pgettext_lazy("notification type", "Freelance project closed"),
    "FreelanceProjectCompleted": pgettext_lazy("notification type", "Freelance project completed"),
    "FreelanceProjectCreated": pgettext_lazy("notification type", "Freelance project created"),
    "FreelanceProjectExpired": pgettext_lazy("notification type", "Freelance project expired"),
    "FreelanceProjectLimitReached": pgettext_lazy("notification type", "Freelance project limit reached"),
    "FreelanceProjectParticipantKicked": pgettext_lazy(
        "notification type", "Freelance project participant kicked"
    ),
    "GameTimeAdded": pgettext_lazy("notification type", "Game time added"),
    "GameTimeReceived": pgettext_lazy("notification type", "Game time received"),
    "GameTimeSent": pgettext_lazy("notification type", "Game time sent"),
    "GiftReceived": pgettext_lazy("notification type", "Gift received"),
    "IHubDestroyedByBillFailure": pgettext_lazy("notification type", "IHub destroyed (bill not paid)"),
    "IncursionCompletedMsg": pgettext_lazy("notification type", "Incursion completed"),
    "IndustryOperationFinished": pgettext_lazy("notification type", "Industry operation finished"),
    "IndustryTeamAuctionLost": pgettext_lazy("notification type", "Industry team auction lost"),
    "IndustryTeamAuctionWon": pgettext_lazy("notification type", "Industry team auction won"),
    "InfrastructureHubBillAboutToExpire": pgettext_lazy(
        "notification type", "Infrastructure hub bill about to expire"
    ),
    "InsuranceExpirationMsg": pgettext_lazy("notification type", "Insurance expiring"),
    "InsuranceFirstShipMsg": pgettext_lazy("notification type", "Insurance for the first ship"),
    "InsuranceInvalidatedMsg": pgettext_lazy("notification type", "Insurance invalidated"),
    "InsuranceIssuedMsg": pgettext_lazy("notification type", "Insurance issued"),
    "InsurancePayoutMsg": pgettext_lazy("notification type", "Insurance paid out"),
    "InvasionCompletedMsg": pgettext_lazy("notification type", "Invasion completed"),
    "InvasionSystemLogin": pgettext_lazy("notification type", "Logged in to an invaded system"),
    "InvasionSystemStart": pgettext_lazy("notification type", "Invasion of a system started"),
    "JumpCloneDeletedMsg1": pgettext_lazy("notification type", "Jump clone deleted (1)"),
    "JumpCloneDeletedMsg2": pgettext_lazy("notification type", "Jump clone deleted (2)"),
    "KillReportFinalBlow": pgettext_lazy("notification type", "Kill report: final blow"),
    "KillReportVictim": pgettext_lazy("notification type", "Kill report: victim"),
    "KillRightAvailable": pgettext_lazy("notification type", "Kill right available"),
    "KillRightAvailableOpen": pgettext_lazy("notification type", "Kill right available to everyone"),
    "KillRightEarned": pgettext_lazy("notification type", "Kill right earned"),
    "KillRightUnavailable": pgettext_lazy("notification type", "Kill right unavailable"),
    "KillRightUnavailableOpen": pgettext_lazy(
        "notification type", "Kill right no longer available to everyone"
    ),
    "KillRightUsed": pgettext_lazy("notification type", "Kill right used"),
    "LPAutoRedeemed": pgettext_lazy("notification type", "LP redeemed automatically"),
    "LocateCharMsg": pgettext_lazy("notification type", "Character located"),
    "MadeWarMutual": pgettext_lazy("notification type", "War made mutual"),
    "MercOfferRetractedMsg": pgettext_lazy("notification type", "Mercenary offer retracted"),
    "MercOfferedNegotiationMsg": pgettext_lazy("notification type", "Mercenary offered negotiation"),
    "MercenaryDenAttacked": pgettext_lazy("notification type", "Mercenary den attacked"),
    "MercenaryDenNewMTO": pgettext_lazy("notification type", "Mercenary den: new MTO"),
    "MercenaryDenReinforced": pgettext_lazy("notification type", "Mercenary den reinforced"),
    "MissionCanceledTriglavian": pgettext_lazy("notification type", "Mission canceled (Triglavian)"),
    "MissionOfferExpirationMsg": pgettext_lazy("notification type", "Mission offer expiring"),
    "MissionTimeoutMsg": pgettext_lazy("notification type", "Mission timed out"),
    "MoonminingAutomaticFracture": pgettext_lazy("notification type", "Moon mining: automatic fracture"),
    "MoonminingExtractionCancelled": pgettext_lazy("notification type", "Moon mining: extraction cancelled"),
    "MoonminingExtractionFinished": pgettext_lazy("notification type", "Moon mining: extraction finished"),
    "MoonminingExtractionStarted": pgettext_lazy("notification type", "Moon mining: extraction started"),
    "MoonminingLaserFired": pgettext_lazy("notification type", "Moon mining: laser fired"),
    "MutualWarExpired": pgettext_lazy("notification type", "Mutual war expired"),
    "MutualWarInviteAccepted": pgettext_lazy("notification type", "Mutual war invitation accepted"),
    "MutualWarInviteRejected": pgettext_lazy("notification type", "Mutual war invitation rejected"),
    "MutualWarInviteSent": pgettext_lazy("notification type", "Mutual war invitation sent"),
    "NPCStandingsGained": pgettext_lazy("notification type", "NPC standings gained"),
    "NPCStandingsLost": pgettext_lazy("notification type", "NPC standings lost"),
    "OfferToAllyRetracted": pgettext_lazy("notification type", "Offer to ally retracted"),
    "OfferedSurrender": pgettext_lazy("notification type", "Surrender offered"),
    "OfferedToAlly": pgettext_lazy("notification type", "Offered to ally"),
    "OfficeLeaseCanceledInsufficientStandings": pgettext_lazy(
        "notification type", "Office lease canceled (insufficient standings)"
    ),
    "OldLscMessages": pgettext_lazy("notification type", "Old LSC messages"),
    "OperationFinished": pgettext_lazy("notification type", "Operation finished"),
    "OrbitalAttacked": pgettext_lazy("notification type", "Orbital attacked"),
    "OrbitalReinforced": pgettext_lazy("notification type", "Orbital reinforced"),
    "OwnershipTransferred": pgettext_lazy("notification type", "Ownership transferred"),
    "RaffleCreated": pgettext_lazy("notification type", "HyperNet raffle created"),
    "RaffleExpired": pgettext_lazy("notification type", "HyperNet raffle expired"),
    "RaffleFinished": pgettext_lazy("notification type", "HyperNet raffle finished"),
    "ReimbursementMsg": pgettext_lazy("notification type", "Reimbursement"),
    "ResearchMissionAvailableMsg": pgettext_lazy("notification type", "Research mission available"),
    "RetractsWar": pgettext_lazy("notification type", "War retracted"),
    "SPAutoRedeemed": pgettext_lazy("notification type", "SP redeemed automatically"),
    "SeasonalChallengeCompleted": pgettext_lazy("notification type", "Seasonal challenge completed"),
    "SkinSequencingCompleted": pgettext_lazy("notification type", "SKIN sequencing completed"),
    "SkyhookDeployed": pgettext_lazy("notification type", "Skyhook deployed"),
    "SkyhookDestroyed": pgettext_lazy("notification type", "Skyhook destroyed"),
    "SkyhookLostShields": pgettext_lazy("notification type", "Skyhook lost shields"),
    "SkyhookOnline": pgettext_lazy("notification type", "Skyhook online"),
    "SkyhookUnderAttack": pgettext_lazy("notification type", "Skyhook under attack"),
    "SovAllClaimAquiredMsg": pgettext_lazy("notification type", "Sovereignty claim acquired"),
    "SovAllClaimLostMsg": pgettext_lazy("notification type", "Sovereignty claim lost"),
    "SovCommandNodeEventStarted": pgettext_lazy(
        "notification type", "Sovereignty command node event started"
    ),
    "SovCorpBillLateMsg": pgettext_lazy("notification type", "Sovereignty bill overdue"),
    "SovCorpClaimFailMsg": pgettext_lazy("notification type", "Sovereignty claim failed"),
    "SovDisruptorMsg": pgettext_lazy("notification type", "Sovereignty disruptor"),
    "SovStationEnteredFreeport": pgettext_lazy("notification type", "Station entered freeport mode"),
    "SovStructureDestroyed": pgettext_lazy("notification type", "Sovereignty structure destroyed"),
    "SovStructureReinforced": pgettext_lazy("notification type", "Sovereignty structure reinforced"),
    "SovStructureSelfDestructCancel": pgettext_lazy(
        "notification type", "Sovereignty structure self-destruct cancelled"
    ),
    "SovStructureSelfDestructFinished": pgettext_lazy(
        "notification type", "Sovereignty structure self-destructed"
    ),
    "SovStructureSelfDestructRequested": pgettext_lazy(
        "notification type", "Sovereignty structure self-destruct requested"
    ),
    "SovereigntyIHDamageMsg": pgettext_lazy("notification type", "Sovereignty: IHub damaged"),
    "SovereigntySBUDamageMsg": pgettext_lazy("notification type", "Sovereignty: SBU damaged"),
    "SovereigntyTCUDamageMsg": pgettext_lazy("notification type", "Sovereignty: TCU damaged"),
    "StationAggressionMsg1": pgettext_lazy("notification type", "Station aggression (1)"),
    "StationAggressionMsg2": pgettext_lazy("notification type", "Station aggression (2)"),
    "StationConquerMsg": pgettext_lazy("notification type", "Station conquered"),
    "StationServiceDisabled": pgettext_lazy("notification type", "Station service disabled"),
    "StationServiceEnabled": pgettext_lazy("notification type", "Station service enabled"),
    "StationStateChangeMsg": pgettext_lazy("notification type", "Station state changed"),
    "StoryLineMissionAvailableMsg": pgettext_lazy("notification type", "Storyline mission available"),
    "StructureAnchoring": pgettext_lazy("notification type", "Structure anchoring"),
    "StructureCourierContractChanged": pgettext_lazy(
        "notification type", "Structure courier contract changed"
    ),
    "StructureDestroyed": pgettext_lazy("notification type", "Structure destroyed"),
    "StructureFuelAlert": pgettext_lazy("notification type", "Structure low on fuel"),
    "StructureImpendingAbandonmentAssetsAtRisk": pgettext_lazy(
        "notification type", "Structure about to be abandoned, assets at risk"
    ),
    "StructureItemsDelivered": pgettext_lazy("notification type", "Items delivered to structure"),
    "StructureItemsMovedToSafety": pgettext_lazy("notification type", "Items moved to asset safety"),
    "StructureLostArmor": pgettext_lazy("notification type", "Structure lost armor"),
    "StructureLostShields": pgettext_lazy("notification type", "Structure lost shields"),
    "StructureLowReagentsAlert": pgettext_lazy("notification type", "Structure low on reagents"),
    "StructureNoReagentsAlert": pgettext_lazy("notification type", "Structure out of reagents"),
    "StructureOnline": pgettext_lazy("notification type", "Structure online"),
    "StructurePaintPurchased": pgettext_lazy("notification type", "Structure paint purchased"),
    "StructureServicesOffline": pgettext_lazy("notification type", "Structure services offline"),
    "StructureUnanchoring": pgettext_lazy("notification type", "Structure unanchoring"),
    "StructureUnderAttack": pgettext_lazy("notification type", "Structure under attack"),
    "StructureWentHighPower": pgettext_lazy("notification type", "Structure went high power"),
    "StructureWentLowPower": pgettext_lazy("notification type", "Structure went low power"),
    "StructuresJobsCancelled": pgettext_lazy("notification type", "Structure jobs cancelled"),
    "StructuresJobsPaused": pgettext_lazy("notification type", "Structure jobs paused"),
    "StructuresReinforcementChanged": pgettext_lazy("notification type", "Structure reinforcement changed"),
    "TowerAlertMsg": pgettext_lazy("notification type", "Control tower alert"),
    "TowerResourceAlertMsg": pgettext_lazy("notification type", "Control tower low on resources"),
    "TransactionReversalMsg": pgettext_lazy("notification type", "Transaction reversed"),
    "TutorialMsg": pgettext_lazy("notification type", "Tutorial"),
    "WarAdopted": pgettext_lazy("notification type", "War adopted"),
    "WarAllyInherited": pgettext_lazy("notification type", "War ally inherited"),
    "WarAllyOfferDeclinedMsg": pgettext_lazy("notification type", "War ally offer declined"),
    "WarConcordInvalidates": pgettext_lazy("notification type", "War invalidated by CONCORD"),
    "WarDeclared": pgettext_lazy("notification type", "War declared"),
    "WarEndedHqSecurityDrop": pgettext_lazy("notification type", "War ended (HQ security dropped)"),
    "WarHQRemovedFromSpace": pgettext_lazy("notification type", "War HQ removed from space"),
    "WarInherited": pgettext_lazy("notification type", "War inherited"),
    "WarInvalid": pgettext_lazy("notification type", "War invalid"),
    "WarRetracted": pgettext_lazy("notification type", "War retracted"),
    "WarRetractedByConcord": pgettext_lazy("notification type", "War retracted by CONCORD"),
    "WarSurrenderDeclinedMsg": pgettext_lazy("notification type", "Surrender declined"),
    "WarSurrenderOfferMsg": pgettext_lazy("notification type", "Surrender offered"),
}

#: corporation roles without a division -> label
CORPORATION_ROLES: dict[str, Promise] = {
    "Accountant": pgettext_lazy("corporation role", "Accountant"),
    "Auditor": pgettext_lazy("corporation role", "Auditor"),
    "Brand_Manager": pgettext_lazy("corporation role", "Brand manager"),
    "Communications_Officer": pgettext_lazy("corporation role", "Communications officer"),
    "Config_Equipment": pgettext_lazy("corporation role", "Config equipment"),
    "Config_Starbase_Equipment": pgettext_lazy("corporation role", "Config starbase equipment"),
    "Contract_Manager": pgettext_lazy("corporation role", "Contract manager"),
    "Deliveries_Container_Take": pgettext_lazy("corporation role", "Deliveries: take from containers"),
    "Deliveries_Query": pgettext_lazy("corporation role", "Deliveries: query"),
    "Deliveries_Take": pgettext_lazy("corporation role", "Deliveries: take"),
    "Diplomat": pgettext_lazy("corporation role", "Diplomat"),
    "Director": pgettext_lazy("corporation role", "Director"),
    "Factory_Manager": pgettext_lazy("corporation role", "Factory manager"),
    "Fitting_Manager": pgettext_lazy("corporation role", "Fitting manager"),
    "Junior_Accountant": pgettext_lazy("corporation role", "Junior accountant"),
    "Personnel_Manager": pgettext_lazy("corporation role", "Personnel manager"),
    "Project_Manager": pgettext_lazy("corporation role", "Project manager"),
    "Rent_Factory_Facility": pgettext_lazy("corporation role", "Rent factory facility"),
    "Rent_Office": pgettext_lazy("corporation role", "Rent office"),
    "Rent_Research_Facility": pgettext_lazy("corporation role", "Rent research facility"),
    "Security_Officer": pgettext_lazy("corporation role", "Security officer"),
    "Skill_Plan_Manager": pgettext_lazy("corporation role", "Skill plan manager"),
    "Starbase_Defense_Operator": pgettext_lazy("corporation role", "Starbase defense operator"),
    "Starbase_Fuel_Technician": pgettext_lazy("corporation role", "Starbase fuel technician"),
    "Station_Manager": pgettext_lazy("corporation role", "Station manager"),
    "Trader": pgettext_lazy("corporation role", "Trader"),
}

#: roles of one of the seven divisions (``Hangar_Take_3``): prefix -> label with ``%(division)s``
DIVISION_ROLES: dict[str, Promise] = {
    "Account_Take": pgettext_lazy("corporation role", "Wallet division %(division)s: take"),
    "Container_Take": pgettext_lazy("corporation role", "Container in hangar %(division)s: take"),
    "Hangar_Query": pgettext_lazy("corporation role", "Hangar %(division)s: query"),
    "Hangar_Take": pgettext_lazy("corporation role", "Hangar %(division)s: take"),
}

#: character ``gender`` -> label
GENDERS: dict[str, Promise] = {
    "male": pgettext_lazy("gender", "Male"),
    "female": pgettext_lazy("gender", "Female"),
}

#: colony ``planet_type`` -> label
PLANET_TYPES: dict[str, Promise] = {
    "temperate": pgettext_lazy("planet type", "Temperate"),
    "barren": pgettext_lazy("planet type", "Barren"),
    "oceanic": pgettext_lazy("planet type", "Oceanic"),
    "ice": pgettext_lazy("planet type", "Ice"),
    "gas": pgettext_lazy("planet type", "Gas"),
    "lava": pgettext_lazy("planet type", "Lava"),
    "storm": pgettext_lazy("planet type", "Storm"),
    "plasma": pgettext_lazy("planet type", "Plasma"),
}

#: where an asset or blueprint sits (``location_flag``) -> label
LOCATION_FLAGS: dict[str, Promise] = {
    "AssetSafety": pgettext_lazy("location flag", "Asset safety"),
    "AutoFit": pgettext_lazy("location flag", "Auto-fit"),
    "BoosterBay": pgettext_lazy("location flag", "Booster bay"),
    "CapsuleerDeliveries": pgettext_lazy("location flag", "Capsuleer deliveries"),
    "Cargo": pgettext_lazy("location flag", "Cargo hold"),
    "CorporationGoalDeliveries": pgettext_lazy("location flag", "Corporation goal deliveries"),
    "CorpseBay": pgettext_lazy("location flag", "Corpse bay"),
    "Deliveries": pgettext_lazy("location flag", "Deliveries"),
    "DroneBay": pgettext_lazy("location flag", "Drone bay"),
    "ExpeditionHold": pgettext_lazy("location flag", "Expedition hold"),
    "FighterBay": pgettext_lazy("location flag", "Fighter bay"),
    "FleetHangar": pgettext_lazy("location flag", "Fleet hangar"),
    "FrigateEscapeBay": pgettext_lazy("location flag", "Frigate escape bay"),
    "Hangar": pgettext_lazy("location flag", "Hangar"),
    "HangarAll": pgettext_lazy("location flag", "All hangars"),
    "HiddenModifiers": pgettext_lazy("location flag", "Hidden modifiers"),
    "Implant": pgettext_lazy("location flag", "Implant"),
    "InfrastructureHangar": pgettext_lazy("location flag", "Infrastructure hangar"),
    "Locked": pgettext_lazy("location flag", "Locked"),
    "MobileDepotHold": pgettext_lazy("location flag", "Mobile depot hold"),
    "Module": pgettext_lazy("location flag", "Module"),
    "MoonMaterialBay": pgettext_lazy("location flag", "Moon material bay"),
    "QuafeBay": pgettext_lazy("location flag", "Quafe bay"),
    "ShipHangar": pgettext_lazy("location flag", "Ship hangar"),
    "Skill": pgettext_lazy("location flag", "Skill"),
    "SpecializedAmmoHold": pgettext_lazy("location flag", "Ammo hold"),
    "SpecializedAsteroidHold": pgettext_lazy("location flag", "Asteroid hold"),
    "SpecializedCommandCenterHold": pgettext_lazy("location flag", "Command center hold"),
    "SpecializedFuelBay": pgettext_lazy("location flag", "Fuel bay"),
    "SpecializedGasHold": pgettext_lazy("location flag", "Gas hold"),
    "SpecializedIceHold": pgettext_lazy("location flag", "Ice hold"),
    "SpecializedIndustrialShipHold": pgettext_lazy("location flag", "Industrial ship hold"),
    "SpecializedLargeShipHold": pgettext_lazy("location flag", "Large ship hold"),
    "SpecializedMaterialBay": pgettext_lazy("location flag", "Material bay"),
    "SpecializedMediumShipHold": pgettext_lazy("location flag", "Medium ship hold"),
    "SpecializedMineralHold": pgettext_lazy("location flag", "Mineral hold"),
    "SpecializedOreHold": pgettext_lazy("location flag", "Ore hold"),
    "SpecializedPlanetaryCommoditiesHold": pgettext_lazy("location flag", "Planetary commodities hold"),
    "SpecializedSalvageHold": pgettext_lazy("location flag", "Salvage hold"),
    "SpecializedShipHold": pgettext_lazy("location flag", "Ship hold"),
    "SpecializedSmallShipHold": pgettext_lazy("location flag", "Small ship hold"),
    "StructureDeedBay": pgettext_lazy("location flag", "Structure deed bay"),
    "SubSystemBay": pgettext_lazy("location flag", "Subsystem bay"),
    "Unlocked": pgettext_lazy("location flag", "Unlocked"),
    "Wardrobe": pgettext_lazy("location flag", "Wardrobe"),
}

#: numbered slots and tubes (``HiSlot0`` ... ``HiSlot7``): the label counts from 1, as the game does
NUMBERED_LOCATION_FLAGS: dict[str, Promise] = {
    "HiSlot": pgettext_lazy("location flag", "High slot %(number)d"),
    "MedSlot": pgettext_lazy("location flag", "Medium slot %(number)d"),
    "LoSlot": pgettext_lazy("location flag", "Low slot %(number)d"),
    "RigSlot": pgettext_lazy("location flag", "Rig slot %(number)d"),
    "SubSystemSlot": pgettext_lazy("location flag", "Subsystem slot %(number)d"),
    "FighterTube": pgettext_lazy("location flag", "Fighter tube %(number)d"),
}

_DIVISION_ROLE = re.compile(r"^(?P<prefix>[A-Za-z_]+?)_(?P<division>[1-7])$")
_NUMBERED_FLAG = re.compile(r"^(?P<prefix>[A-Za-z]+?)(?P<index>[0-9])$")


def _label(labels: dict[str, Promise], value: str | None) -> str:
    if not value:
        return ""
    key = value.strip()  # ESI's own enum has "WarAdopted " with a space
    known = labels.get(key)
    return str(known) if known is not None else humanize_identifier(key)


def ref_type(value: str | None) -> str:
    """A wallet journal entry's type: ``bounty_prizes`` -> ``"Bounty prizes"``."""
    return _label(REF_TYPES, value)


def notification_type(value: str | None) -> str:
    """A notification's type: ``StructureUnderAttack`` -> ``"Structure under attack"``."""
    return _label(NOTIFICATION_TYPES, value)


def corporation_role(value: str | None) -> str:
    """A corporation role: ``Station_Manager`` -> ``"Station manager"``, ``Hangar_Take_3`` ->
    ``"Hangar 3: take"``."""
    if value:
        match = _DIVISION_ROLE.match(value.strip())
        if match and match["prefix"] in DIVISION_ROLES:
            return str(DIVISION_ROLES[match["prefix"]]) % {"division": match["division"]}
    return _label(CORPORATION_ROLES, value)


def gender(value: str | None) -> str:
    """A character's gender: ``female`` -> ``"Female"``."""
    return _label(GENDERS, value)


def planet_type(value: str | None) -> str:
    """A planet's type: ``barren`` -> ``"Barren"``."""
    return _label(PLANET_TYPES, value)


def location_flag(value: str | None) -> str:
    """Where an item sits: ``Cargo`` -> ``"Cargo hold"``, ``HiSlot0`` -> ``"High slot 1"``."""
    if value:
        match = _NUMBERED_FLAG.match(value.strip())
        if match and match["prefix"] in NUMBERED_LOCATION_FLAGS:
            return str(NUMBERED_LOCATION_FLAGS[match["prefix"]]) % {"number": int(match["index"]) + 1}
    return _label(LOCATION_FLAGS, value)
