'use strict';
// Object and field definitions.  One table serves describe, SOQL field
// resolution, FLS and DML validation, so the three can never disagree.
//
// A field definition:
//   name, label, type          describe basics (type per salesforce.md 3.2)
//   length                     strings
//   ref: [..], rel: 'Name'     reference target(s) and relationship name
//   childRel: 'Name'           the parent's childRelationships entry name
//   ro                         not createable / updateable (system or derived)
//   noUpdate                   createable but not updateable
//   required                   REQUIRED_FIELD_MISSING on create when absent
//   nillable                   (default: !required and type != boolean)
//   picklist: [...]            values in describe order ({value,label,default})
//   restricted                 restricted picklist: bad values refused on DML
//   hidden                     exists in the data, invisible to the
//                              integration user (field-level security)
//   calculated                 formula-like, read-only

const STAGES = [
  // value, probability, ForecastCategoryName, ForecastCategory API value, closed, won
  ['Prospecting', 10, 'Pipeline', 'Pipeline', false, false],
  ['Qualification', 10, 'Pipeline', 'Pipeline', false, false],
  ['Needs Analysis', 20, 'Pipeline', 'Pipeline', false, false],
  ['Value Proposition', 50, 'Pipeline', 'Pipeline', false, false],
  ['Id. Decision Makers', 60, 'Pipeline', 'Pipeline', false, false],
  ['Perception Analysis', 70, 'Pipeline', 'Pipeline', false, false],
  ['Proposal/Price Quote', 75, 'Best Case', 'BestCase', false, false],
  ['Negotiation/Review', 90, 'Best Case', 'BestCase', false, false],
  ['Commit', 95, 'Commit', 'Forecast', false, false],
  ['Closed Won', 100, 'Closed', 'Closed', true, true],
  ['Closed Lost', 0, 'Omitted', 'Omitted', true, false],
];
const STAGE = new Map(STAGES.map(([value, probability, fcName, fc, closed, won]) =>
  [value, { value, probability, fcName, fc, closed, won }]));

const FORECAST_NAMES = ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'];
const FORECAST_API = ['Omitted', 'Pipeline', 'BestCase', 'Forecast', 'Closed'];

const pl = (values, def) => values.map((v) => ({ value: v, label: v, default: v === def }));

// Fields every object has.  Salesforce maintains them itself.
function systemFields(opts = {}) {
  const out = [
    { name: 'Id', label: opts.idLabel || 'Record ID', type: 'id', length: 18, ro: true, nillable: false },
    { name: 'IsDeleted', label: 'Deleted', type: 'boolean', ro: true },
    { name: 'CreatedDate', label: 'Created Date', type: 'datetime', ro: true, nillable: false },
    { name: 'CreatedById', label: 'Created By ID', type: 'reference', ref: ['User'], rel: 'CreatedBy', ro: true, nillable: false },
    { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', ro: true, nillable: false },
    { name: 'LastModifiedById', label: 'Last Modified By ID', type: 'reference', ref: ['User'], rel: 'LastModifiedBy', ro: true, nillable: false },
    { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', ro: true, nillable: false },
  ];
  if (opts.owner !== false) {
    out.push({ name: 'OwnerId', label: 'Owner ID', type: 'reference', ref: ['User'], rel: 'Owner', nillable: false });
  }
  return out;
}

const OBJECTS = {
  User: {
    label: 'User', keyPrefix: '005', createable: false, updateable: false,
    fields: [
      ...systemFields({ owner: false }),
      { name: 'Username', label: 'Username', type: 'string', length: 80, ro: true, nillable: false },
      { name: 'FirstName', label: 'First Name', type: 'string', length: 40, ro: true },
      { name: 'LastName', label: 'Last Name', type: 'string', length: 80, ro: true, nillable: false },
      { name: 'Name', label: 'Full Name', type: 'string', length: 121, ro: true, nillable: false },
      { name: 'Email', label: 'Email', type: 'email', length: 128, ro: true, nillable: false },
      { name: 'Title', label: 'Title', type: 'string', length: 80, ro: true },
      { name: 'Department', label: 'Department', type: 'string', length: 80, ro: true },
      { name: 'IsActive', label: 'Active', type: 'boolean', ro: true },
      { name: 'UserRoleId', label: 'Role ID', type: 'reference', ref: ['UserRole'], rel: 'UserRole', childRel: 'Users', ro: true },
      { name: 'ManagerId', label: 'Manager ID', type: 'reference', ref: ['User'], rel: 'Manager', ro: true },
      { name: 'TimeZoneSidKey', label: 'Time Zone', type: 'picklist', length: 40, ro: true },
      { name: 'LocaleSidKey', label: 'Locale', type: 'picklist', length: 40, ro: true },
    ],
  },
  UserRole: {
    label: 'Role', keyPrefix: '00E', createable: false, updateable: false,
    fields: [
      { name: 'Id', label: 'Role ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'Name', label: 'Name', type: 'string', length: 80, ro: true, nillable: false },
      { name: 'ParentRoleId', label: 'Parent Role ID', type: 'reference', ref: ['UserRole'], rel: null, ro: true },
      { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', ro: true, nillable: false },
    ],
  },
  Account: {
    label: 'Account', keyPrefix: '001',
    fields: [
      ...systemFields({ idLabel: 'Account ID' }),
      { name: 'Name', label: 'Account Name', type: 'string', length: 255, required: true },
      { name: 'Type', label: 'Account Type', type: 'picklist', length: 255,
        picklist: pl(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Channel Partner / Reseller', 'Installation Partner', 'Technology Partner', 'Other']) },
      { name: 'Industry', label: 'Industry', type: 'picklist', length: 255,
        picklist: pl(['Agriculture', 'Banking', 'Communications', 'Education', 'Energy', 'Healthcare', 'Manufacturing', 'Retail', 'Technology', 'Transportation']) },
      { name: 'ParentId', label: 'Parent Account ID', type: 'reference', ref: ['Account'], rel: 'Parent', childRel: 'ChildAccounts' },
      { name: 'AnnualRevenue', label: 'Annual Revenue', type: 'currency' },
      { name: 'NumberOfEmployees', label: 'Employees', type: 'int' },
      { name: 'Rating', label: 'Account Rating', type: 'picklist', length: 255, picklist: pl(['Hot', 'Warm', 'Cold']) },
      { name: 'BillingCity', label: 'Billing City', type: 'string', length: 40 },
      { name: 'BillingState', label: 'Billing State/Province', type: 'string', length: 80 },
      { name: 'BillingCountry', label: 'Billing Country', type: 'string', length: 80 },
      { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
      { name: 'Website', label: 'Website', type: 'url', length: 255 },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ro: true },
      { name: 'Internal_Rating__c', label: 'Internal Rating', type: 'string', length: 20, hidden: true },
    ],
  },
  Contact: {
    label: 'Contact', keyPrefix: '003',
    fields: [
      ...systemFields({ idLabel: 'Contact ID' }),
      { name: 'AccountId', label: 'Account ID', type: 'reference', ref: ['Account'], rel: 'Account', childRel: 'Contacts' },
      { name: 'FirstName', label: 'First Name', type: 'string', length: 40 },
      { name: 'LastName', label: 'Last Name', type: 'string', length: 80, required: true },
      { name: 'Name', label: 'Full Name', type: 'string', length: 121, ro: true, nillable: false },
      { name: 'Title', label: 'Title', type: 'string', length: 128 },
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ro: true },
    ],
  },
  Lead: {
    label: 'Lead', keyPrefix: '00Q',
    fields: [
      ...systemFields({ idLabel: 'Lead ID' }),
      { name: 'FirstName', label: 'First Name', type: 'string', length: 40 },
      { name: 'LastName', label: 'Last Name', type: 'string', length: 80, required: true },
      { name: 'Name', label: 'Full Name', type: 'string', length: 121, ro: true, nillable: false },
      { name: 'Company', label: 'Company', type: 'string', length: 255, required: true },
      { name: 'Title', label: 'Title', type: 'string', length: 128 },
      { name: 'Email', label: 'Email', type: 'email', length: 80 },
      { name: 'Phone', label: 'Phone', type: 'phone', length: 40 },
      { name: 'Status', label: 'Lead Status', type: 'picklist', length: 255, nillable: false, restricted: true,
        picklist: pl(['Open - Not Contacted', 'Working - Contacted', 'Closed - Converted', 'Closed - Not Converted'], 'Open - Not Contacted') },
      { name: 'LeadSource', label: 'Lead Source', type: 'picklist', length: 255,
        picklist: pl(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']) },
      { name: 'Rating', label: 'Rating', type: 'picklist', length: 255, picklist: pl(['Hot', 'Warm', 'Cold']) },
      { name: 'IsConverted', label: 'Converted', type: 'boolean', ro: true },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ro: true },
      { name: 'Credit_Score__c', label: 'Credit Score', type: 'double', hidden: true },
    ],
  },
  Opportunity: {
    label: 'Opportunity', keyPrefix: '006',
    fields: [
      ...systemFields({ idLabel: 'Opportunity ID' }),
      { name: 'AccountId', label: 'Account ID', type: 'reference', ref: ['Account'], rel: 'Account', childRel: 'Opportunities' },
      { name: 'Name', label: 'Name', type: 'string', length: 120, required: true },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      { name: 'StageName', label: 'Stage', type: 'picklist', length: 255, required: true, restricted: true,
        picklist: pl(STAGES.map((s) => s[0])) },
      { name: 'Amount', label: 'Amount', type: 'currency' },
      // Only in a multi-currency org: the currency of the record's amounts.
      { name: 'CurrencyIsoCode', label: 'Opportunity Currency', type: 'picklist', length: 255, onlyCfg: 'currencies' },
      { name: 'Probability', label: 'Probability (%)', type: 'percent' },
      { name: 'ExpectedRevenue', label: 'Expected Amount', type: 'currency', ro: true, calculated: true },
      { name: 'CloseDate', label: 'Close Date', type: 'date', required: true },
      { name: 'Type', label: 'Opportunity Type', type: 'picklist', length: 255,
        picklist: pl(['Existing Customer - Upgrade', 'Existing Customer - Replacement', 'Existing Customer - Downgrade', 'New Customer']) },
      { name: 'NextStep', label: 'Next Step', type: 'string', length: 255 },
      { name: 'LeadSource', label: 'Lead Source', type: 'picklist', length: 255,
        picklist: pl(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']) },
      { name: 'IsClosed', label: 'Closed', type: 'boolean', ro: true },
      { name: 'IsWon', label: 'Won', type: 'boolean', ro: true },
      { name: 'ForecastCategory', label: 'Forecast Category', type: 'picklist', length: 40, ro: true, picklist: pl(FORECAST_API) },
      { name: 'ForecastCategoryName', label: 'Forecast Category', type: 'picklist', length: 255, picklist: pl(FORECAST_NAMES) },
      { name: 'HasOpenActivity', label: 'Has Open Activity', type: 'boolean', ro: true },
      { name: 'LastActivityDate', label: 'Last Activity', type: 'date', ro: true },
      // Absent below cfg.lastStageChangeFrom (an API version; a guess:
      // salesforce.md 6 says only that v50.0's field list lacks it).
      { name: 'LastStageChangeDate', label: 'Last Stage Change Date', type: 'datetime', ro: true, sinceCfg: 'lastStageChangeFrom' },
      { name: 'FiscalQuarter', label: 'Fiscal Quarter', type: 'int', ro: true },
      { name: 'FiscalYear', label: 'Fiscal Year', type: 'int', ro: true },
      { name: 'Secret_Margin__c', label: 'Secret Margin', type: 'percent', hidden: true },
      // Only with cfg.readonlyField (POST /__sim/org readonly_field): a
      // custom field set at creation that nobody may update afterwards.
      { name: 'Legacy_Code__c', label: 'Legacy Code', type: 'string', length: 40, noUpdate: true, orgFlag: 'readonlyField' },
    ],
  },
  // The org: one record.  DefaultCurrencyIsoCode is the org's currency
  // (the corporate one in a multi-currency org).
  Organization: {
    label: 'Organization', keyPrefix: '00D', createable: false, updateable: false,
    fields: [
      { name: 'Id', label: 'Organization ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'Name', label: 'Name', type: 'string', length: 80, ro: true },
      { name: 'DefaultCurrencyIsoCode', label: 'Currency ISO Code', type: 'picklist', length: 255, ro: true },
      { name: 'IsSandbox', label: 'Is Sandbox', type: 'boolean', ro: true },
      { name: 'OrganizationType', label: 'Edition', type: 'picklist', length: 40, ro: true },
      { name: 'InstanceName', label: 'Instance Name', type: 'string', length: 5, ro: true },
      { name: 'TimeZoneSidKey', label: 'Default Time Zone', type: 'picklist', length: 40, ro: true },
    ],
  },
  // Only in a multi-currency org (cfg.currencies); the key prefix is a guess.
  CurrencyType: {
    label: 'Currency Type', keyPrefix: '02a', createable: false, updateable: false, onlyCfg: 'currencies',
    fields: [
      { name: 'Id', label: 'Currency Type ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'IsoCode', label: 'Currency ISO Code', type: 'picklist', length: 255, ro: true },
      { name: 'ConversionRate', label: 'Conversion Rate', type: 'double', ro: true },
      { name: 'DecimalPlaces', label: 'Decimal Places', type: 'int', ro: true },
      { name: 'IsActive', label: 'Active', type: 'boolean', ro: true },
      { name: 'IsCorporate', label: 'Corporate', type: 'boolean', ro: true },
    ],
  },
  // Advanced currency management (--dated-rates): the dated exchange rates
  // (Object Reference, "DatedConversionRate": IsoCode, ConversionRate,
  // StartDate, NextStartDate).  Absent without it (a GUESS: INVALID_TYPE).
  DatedConversionRate: {
    label: 'Dated Conversion Rate', keyPrefix: '04w', createable: false, updateable: false,
    absentIf: (cfg) => !(cfg.datedRates && cfg.datedRates.length && cfg.currencies && cfg.currencies.length),
    fields: [
      { name: 'Id', label: 'Dated Conversion Rate ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'IsoCode', label: 'Currency ISO Code', type: 'picklist', length: 255, ro: true },
      { name: 'ConversionRate', label: 'Conversion Rate', type: 'double', ro: true },
      { name: 'StartDate', label: 'Start Date', type: 'date', ro: true },
      { name: 'NextStartDate', label: 'Next Start Date', type: 'date', ro: true },
    ],
  },
  // Read-only; a row for each change of Amount, Probability, StageName or
  // CloseDate, and one at creation (salesforce.md 6: OpportunityHistory).
  // Absent where cfg.stageHistory is 'field' (--stage-history): an org
  // whose integration user cannot query it (INVALID_TYPE).
  OpportunityHistory: {
    label: 'Opportunity History', keyPrefix: '008', createable: false, updateable: false,
    absentIf: (cfg) => cfg.stageHistory === 'field',
    fields: [
      { name: 'Id', label: 'Opportunity History ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'IsDeleted', label: 'Deleted', type: 'boolean', ro: true },
      { name: 'CreatedDate', label: 'Created Date', type: 'datetime', ro: true, nillable: false },
      { name: 'CreatedById', label: 'Created By ID', type: 'reference', ref: ['User'], rel: 'CreatedBy', ro: true, nillable: false },
      { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', ro: true, nillable: false },
      { name: 'OpportunityId', label: 'Opportunity ID', type: 'reference', ref: ['Opportunity'], rel: 'Opportunity', childRel: 'OpportunityHistories', ro: true, nillable: false },
      { name: 'StageName', label: 'Stage Name', type: 'picklist', length: 255, ro: true, picklist: pl(STAGES.map((s) => s[0])) },
      { name: 'Amount', label: 'Amount', type: 'currency', ro: true },
      { name: 'Probability', label: 'Probability (%)', type: 'percent', ro: true },
      { name: 'CloseDate', label: 'Close Date', type: 'date', ro: true },
    ],
  },
  // Field history tracking (Object Reference, "OpportunityFieldHistory"):
  // a row for each change of a tracked field; here StageName is tracked,
  // and the org has it only with --stage-history field or both.  OldValue
  // and NewValue are anyType in Salesforce, strings here.
  OpportunityFieldHistory: {
    label: 'Opportunity Field History', keyPrefix: '017', createable: false, updateable: false,
    absentIf: (cfg) => cfg.stageHistory !== 'field' && cfg.stageHistory !== 'both',
    fields: [
      { name: 'Id', label: 'Opportunity Field History ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'IsDeleted', label: 'Deleted', type: 'boolean', ro: true },
      { name: 'OpportunityId', label: 'Opportunity ID', type: 'reference', ref: ['Opportunity'], rel: 'Opportunity', childRel: 'Histories', ro: true, nillable: false },
      { name: 'CreatedById', label: 'Created By ID', type: 'reference', ref: ['User'], rel: 'CreatedBy', ro: true, nillable: false },
      { name: 'CreatedDate', label: 'Created Date', type: 'datetime', ro: true, nillable: false },
      { name: 'Field', label: 'Changed Field', type: 'picklist', length: 255, ro: true, picklist: pl(['created', 'StageName']) },
      { name: 'DataType', label: 'Data Type', type: 'picklist', length: 40, ro: true, picklist: pl(['Text', 'Picklist']) },
      { name: 'OldValue', label: 'Old Value', type: 'string', length: 255, ro: true },
      { name: 'NewValue', label: 'New Value', type: 'string', length: 255, ro: true },
    ],
  },
  Event: {
    label: 'Event', keyPrefix: '00U', activity: true,
    fields: [
      ...systemFields({ idLabel: 'Activity ID' }),
      { name: 'WhoId', label: 'Name ID', type: 'reference', ref: ['Contact', 'Lead'], rel: 'Who' },
      { name: 'WhatId', label: 'Related To ID', type: 'reference', ref: ['Account', 'Opportunity'], rel: 'What', childRel: 'Events' },
      { name: 'AccountId', label: 'Account ID', type: 'reference', ref: ['Account'], rel: 'Account', ro: true },
      { name: 'Subject', label: 'Subject', type: 'combobox', length: 255, picklist: pl(['Call', 'Email', 'Meeting', 'Send Letter/Quote', 'Other']) },
      { name: 'Location', label: 'Location', type: 'string', length: 255 },
      { name: 'IsAllDayEvent', label: 'All-Day Event', type: 'boolean' },
      { name: 'ActivityDateTime', label: 'Due Date Time', type: 'datetime' },
      { name: 'ActivityDate', label: 'Due Date Only', type: 'date' },
      { name: 'StartDateTime', label: 'Start Date Time', type: 'datetime' },
      { name: 'EndDateTime', label: 'End Date Time', type: 'datetime' },
      { name: 'DurationInMinutes', label: 'Duration', type: 'int' },
      { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
      { name: 'Type', label: 'Type', type: 'picklist', length: 40, picklist: pl(['Call', 'Meeting', 'Email', 'Other']) },
      { name: 'IsChild', label: 'Is Child', type: 'boolean', ro: true },
      { name: 'IsPrivate', label: 'Private', type: 'boolean' },
    ],
  },
  Task: {
    label: 'Task', keyPrefix: '00T', activity: true,
    fields: [
      ...systemFields({ idLabel: 'Activity ID' }),
      { name: 'WhoId', label: 'Name ID', type: 'reference', ref: ['Contact', 'Lead'], rel: 'Who' },
      { name: 'WhatId', label: 'Related To ID', type: 'reference', ref: ['Account', 'Opportunity'], rel: 'What', childRel: 'Tasks' },
      { name: 'AccountId', label: 'Account ID', type: 'reference', ref: ['Account'], rel: 'Account', ro: true },
      { name: 'Subject', label: 'Subject', type: 'combobox', length: 255, picklist: pl(['Call', 'Send Letter', 'Send Quote', 'Other']) },
      { name: 'ActivityDate', label: 'Due Date Only', type: 'date' },
      { name: 'Status', label: 'Status', type: 'picklist', length: 40, nillable: false, restricted: true,
        picklist: pl(['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'], 'Not Started') },
      { name: 'Priority', label: 'Priority', type: 'picklist', length: 40, nillable: false,
        picklist: pl(['High', 'Normal', 'Low'], 'Normal') },
      { name: 'IsClosed', label: 'Closed', type: 'boolean', ro: true },
      { name: 'Description', label: 'Comments', type: 'textarea', length: 32000 },
    ],
  },
  ContentDocument: {
    label: 'Content Document', keyPrefix: '069', createable: false,
    fields: [
      ...systemFields({ idLabel: 'ContentDocument ID' }),
      { name: 'Title', label: 'Title', type: 'string', length: 255, nillable: false },
      { name: 'FileType', label: 'File Type', type: 'string', length: 20, ro: true },
      { name: 'ContentSize', label: 'Size', type: 'int', ro: true },
    ],
  },
  ContentNote: {
    label: 'Note', keyPrefix: '069',
    fields: [
      ...systemFields({ idLabel: 'ContentNote ID' }),
      { name: 'Title', label: 'Title', type: 'string', length: 255, required: true },
      { name: 'Content', label: 'Content', type: 'base64' },
      { name: 'FileType', label: 'File Type', type: 'string', length: 20, ro: true },
      { name: 'ContentSize', label: 'Size', type: 'int', ro: true },
      { name: 'TextPreview', label: 'Text Preview', type: 'string', length: 255, ro: true },
    ],
  },
  ContentDocumentLink: {
    label: 'Content Document Link', keyPrefix: '06A', updateable: false,
    fields: [
      { name: 'Id', label: 'ContentDocumentLink ID', type: 'id', length: 18, ro: true, nillable: false },
      { name: 'IsDeleted', label: 'Deleted', type: 'boolean', ro: true },
      { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', ro: true, nillable: false },
      { name: 'LinkedEntityId', label: 'Linked Entity ID', type: 'reference', ref: ['Account', 'Opportunity', 'Contact', 'Lead', 'User'], rel: 'LinkedEntity', required: true, noUpdate: true },
      { name: 'ContentDocumentId', label: 'ContentDocument ID', type: 'reference', ref: ['ContentDocument'], rel: 'ContentDocument', childRel: 'ContentDocumentLinks', required: true, noUpdate: true },
      { name: 'ShareType', label: 'Share Type', type: 'picklist', length: 40, required: true, restricted: true, picklist: pl(['V', 'C', 'I']) },
      { name: 'Visibility', label: 'Visibility', type: 'picklist', length: 40, restricted: true, picklist: pl(['AllUsers', 'InternalUsers', 'SharedUsers']) },
    ],
  },
  // The design note's audit object.  Absent unless cfg.auditObject; the
  // optional fields follow cfg.auditFailed, cfg.auditAttemptId and
  // cfg.auditError (POST /__sim/org, --audit-fields).
  Cleanup_Audit__c: {
    label: 'Cleanup Audit', keyPrefix: 'a0X', custom: true, orgFlag: 'auditObject',
    fields: [
      ...systemFields({ idLabel: 'Record ID' }),
      { name: 'Name', label: 'Cleanup Audit Name', type: 'string', length: 80, ro: true, nillable: false, autoNumber: true },
      { name: 'Object_Name__c', label: 'Object Name', type: 'string', length: 80 },
      { name: 'Record_Id__c', label: 'Record Id', type: 'string', length: 18 },
      { name: 'Field_Name__c', label: 'Field Name', type: 'string', length: 80 },
      { name: 'Old_Value__c', label: 'Old Value', type: 'textarea', length: 32768 },
      { name: 'New_Value__c', label: 'New Value', type: 'textarea', length: 32768 },
      { name: 'Justification__c', label: 'Justification', type: 'textarea', length: 32768 },
      { name: 'Performed_By__c', label: 'Performed By', type: 'string', length: 255 },
      { name: 'Failed__c', label: 'Failed', type: 'boolean', defaultValue: false, orgFlag: 'auditFailed' },
      { name: 'Attempt_Id__c', label: 'Attempt Id', type: 'string', length: 64, externalId: true, unique: true, orgFlag: 'auditAttemptId' },
      { name: 'Error__c', label: 'Error', type: 'textarea', length: 32768, orgFlag: 'auditError' },
    ],
  },
};

// Objects that Salesforce refuses inside semi-join / anti-join sub-selects
// (salesforce.md 5.4).
const SEMI_JOIN_FORBIDDEN = new Set(['Event', 'Task', 'EventAttendee', 'ActivityHistory', 'OpenActivity',
  'Note', 'Attachment', 'ContentDocumentLink']);

// Finish the table: lower-case lookup maps, child relationships and the
// describe defaults that follow from a field's type.
const NOT_GROUPABLE = new Set(['currency', 'double', 'percent', 'datetime', 'textarea', 'base64']);
const byLower = new Map();
const byPrefix = new Map();
for (const [name, obj] of Object.entries(OBJECTS)) {
  obj.name = name;
  obj.custom = !!obj.custom;
  obj.createable = obj.createable !== false;
  obj.updateable = obj.updateable !== false;
  obj.fieldMap = new Map();
  obj.relMap = new Map();
  obj.children = [];
  for (const f of obj.fields) {
    f.custom = f.name.endsWith('__c');
    f.createable = !f.ro;
    f.updateable = !f.ro && !f.noUpdate && obj.updateable;
    if (f.nillable === undefined) f.nillable = !f.required && f.type !== 'boolean' && f.name !== 'Id';
    f.filterable = f.type !== 'textarea' || (f.length || 0) <= 255;
    f.sortable = f.filterable;
    f.groupable = !NOT_GROUPABLE.has(f.type) && f.filterable;
    f.ref = f.ref || [];
    if (f.rel === undefined) f.rel = null;
    obj.fieldMap.set(f.name.toLowerCase(), f);
    if (f.rel) obj.relMap.set(f.rel.toLowerCase(), f);
  }
  byLower.set(name.toLowerCase(), obj);
  if (!byPrefix.has(obj.keyPrefix)) byPrefix.set(obj.keyPrefix, obj);
}
// ContentNote ids are ContentDocument ids; an id with 069 means the note
// when resolved from a generic lookup.
byPrefix.set('069', OBJECTS.ContentNote);
for (const obj of Object.values(OBJECTS)) {
  for (const f of obj.fields) {
    if (!f.childRel) continue;
    for (const target of f.ref) {
      const parent = OBJECTS[target];
      const entry = { childSObject: obj.name, field: f.name, relationshipName: f.childRel, cascadeDelete: false };
      parent.children.push(entry);
    }
  }
}

function getObject(name) {
  return byLower.get(String(name).toLowerCase()) || null;
}

function objectForId(id) {
  return byPrefix.get(String(id).slice(0, 3)) || null;
}

/** The describe field entry (never for hidden fields). */
function describeField(f) {
  const d = {
    aggregatable: f.type !== 'textarea' && f.type !== 'base64',
    autoNumber: !!f.autoNumber,
    byteLength: f.length ? f.length * 3 : 0,
    calculated: !!f.calculated,
    cascadeDelete: false,
    createable: f.createable,
    custom: f.custom,
    defaultValue: f.defaultValue === undefined ? null : f.defaultValue,
    defaultedOnCreate: f.type === 'boolean' || f.name === 'OwnerId' || f.name === 'Id',
    dependentPicklist: false,
    externalId: !!f.externalId,
    filterable: f.filterable,
    groupable: f.groupable,
    idLookup: f.name === 'Id',
    label: f.label,
    length: ['string', 'textarea', 'picklist', 'email', 'phone', 'url', 'combobox', 'id', 'reference'].includes(f.type) ? (f.length || 18) : 0,
    name: f.name,
    nameField: f.name === 'Name',
    nillable: f.nillable,
    picklistValues: (f.picklist || []).map((p) => ({ active: !p.inactive, defaultValue: !!p.default, label: p.label, validFor: null, value: p.value })),
    precision: f.type === 'currency' ? 18 : f.type === 'percent' ? 3 : f.type === 'double' ? 18 : 0,
    referenceTo: f.ref,
    relationshipName: f.rel,
    restrictedPicklist: !!f.restricted,
    scale: f.type === 'currency' ? 2 : 0,
    soapType: SOAP[f.type] || 'xsd:string',
    sortable: f.sortable,
    type: f.type,
    unique: !!f.unique,
    updateable: f.updateable,
  };
  return d;
}
const SOAP = { id: 'tns:ID', reference: 'tns:ID', boolean: 'xsd:boolean', currency: 'xsd:double', double: 'xsd:double',
  percent: 'xsd:double', int: 'xsd:int', date: 'xsd:date', datetime: 'xsd:dateTime', base64: 'xsd:base64Binary' };

/** The API version number of 'v60.0'. */
const versionNum = (version) => parseFloat(String(version || '').replace(/^v/, '')) || 0;

/** Does this org, at this API version, lack field f (cfg.<f.sinceCfg>)? */
function fieldAbsent(f, version, cfg) {
  if (f.absentIf && cfg && f.absentIf(cfg)) return true;
  if (f.orgFlag && !(cfg && cfg[f.orgFlag])) return true;
  if (f.onlyCfg && !(cfg && cfg[f.onlyCfg] && cfg[f.onlyCfg].length)) return true;
  return !!(f.sinceCfg && cfg && cfg[f.sinceCfg] && versionNum(version) < cfg[f.sinceCfg]);
}

/**
 * Field f of obj as this org has it: cfg.fieldOverrides ("Object.Field" ->
 * {nillable, restricted, updateable}, POST /__sim/org field_overrides)
 * changes describe and DML alike.
 */
function effField(obj, f, cfg) {
  const o = cfg && cfg.fieldOverrides && cfg.fieldOverrides[`${obj.name}.${f.name}`];
  const g = o ? { ...f, ...o } : f;
  // cfg.inactiveStages (POST /__sim/org inactive_stages): StageName values
  // an admin deactivated; describe lists them with active: false.
  if (cfg && cfg.inactiveStages && cfg.inactiveStages.length && obj.name === 'Opportunity' && f.name === 'StageName') {
    return { ...g, picklist: g.picklist.map((p) => (cfg.inactiveStages.includes(p.value) ? { ...p, inactive: true } : p)) };
  }
  return g;
}

function describe(obj, version, cfg) {
  return {
    activateable: false,
    childRelationships: obj.children.map((c) => ({ ...c, deprecatedAndHidden: false, restrictedDelete: false })),
    createable: obj.createable,
    custom: obj.custom,
    deletable: obj.createable,
    fields: obj.fields.filter((f) => !f.hidden && !fieldAbsent(f, version, cfg)).map((f) => describeField(effField(obj, f, cfg))),
    keyPrefix: obj.keyPrefix,
    label: obj.label,
    labelPlural: obj.label + 's',
    layoutable: true,
    name: obj.name,
    queryable: true,
    recordTypeInfos: [],
    retrieveable: true,
    searchable: !obj.activity,
    triggerable: true,
    updateable: obj.updateable,
    urls: {
      describe: `/services/data/${version}/sobjects/${obj.name}/describe`,
      rowTemplate: `/services/data/${version}/sobjects/${obj.name}/{ID}`,
      sobject: `/services/data/${version}/sobjects/${obj.name}`,
    },
  };
}

module.exports = { OBJECTS, STAGES, STAGE, SEMI_JOIN_FORBIDDEN, getObject, objectForId, describe, effField, fieldAbsent, objectAbsent: fieldAbsent };
